//! Fixtures shared by the register's tests: a directory with an allow-listed protection unit,
//! a policy with one statute, the register they generate, and the schemas' examples.

use schemas::{AgencyId, AgencyRole, DataCategory, Jurisdiction, MessageType, Purpose};

use super::{Activity, Config, Register, generate};
use crate::consent::HardRules;
use crate::routing::{Agency, Directory, Policy, Statute};

pub(super) const PROTECTION: &str = "dk-politi-beskyttelse";

pub(super) fn id(s: &str) -> AgencyId {
    AgencyId::try_from(s.to_owned()).unwrap()
}

pub(super) fn directory() -> Directory {
    Directory::new([
        Agency {
            id: id(PROTECTION),
            role: AgencyRole::Police,
            jurisdiction: Jurisdiction::DK,
            name: "Politiets beskyttelsesenhed".to_owned(),
        },
        Agency {
            id: id("dk-kobenhavn-kommune"),
            role: AgencyRole::Municipality,
            jurisdiction: Jurisdiction::DK,
            name: "Københavns Kommune".to_owned(),
        },
    ])
}

pub(super) fn statute(id: &str, types: &[MessageType]) -> Statute {
    Statute {
        id: id.to_owned(),
        jurisdiction: Jurisdiction::DK,
        from_roles: [AgencyRole::PrisonProbation].into(),
        to_roles: [AgencyRole::Municipality, AgencyRole::Police].into(),
        message_types: types.iter().copied().collect(),
        purposes: [Purpose::ReleaseCoordination, Purpose::CriminalInvestigation].into(),
        categories: [DataCategory::SentenceRelease, DataCategory::EconomyBenefits].into(),
    }
}

pub(super) fn policy() -> Policy {
    Policy {
        key_announcements_per_hour: None,
        statutes: vec![statute("DK-RPL115-KSP", &[MessageType::ReleaseNotice])],
        programmes: Vec::new(),
        hard_rules: HardRules {
            protected_location_allow: [id(PROTECTION)].into(),
        },
    }
}

pub(super) fn register() -> Register {
    generate(&policy(), &directory(), &Config::default(), None)
}

pub(super) fn activity(register: &Register, t: MessageType) -> &Activity {
    register
        .activities
        .iter()
        .find(|a| a.message_type == Some(t))
        .unwrap_or_else(|| panic!("{t} has no activity"))
}

pub(super) fn examples_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas/examples")
}
