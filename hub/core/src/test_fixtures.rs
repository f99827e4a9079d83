//! Fixtures shared by the crate's table tests: agency ids and directories on plain data.

use schemas::{AgencyId, AgencyRole, Jurisdiction};

use crate::{Agency, Directory};

/// A valid agency id.
pub fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s).unwrap()
}

/// A directory of these agencies, all under `jurisdiction`, each named by its id.
pub fn directory(jurisdiction: Jurisdiction, agencies: &[(&str, AgencyRole)]) -> Directory {
    Directory::new(agencies.iter().map(|&(i, role)| Agency {
        id: id(i),
        role,
        jurisdiction,
        name: i.to_owned(),
    }))
}
