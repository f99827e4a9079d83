//! How the hub's values are read from their columns, so the row types
//! (`#[derive(sqlx::FromRow)]`) decode a whole row at once and a renamed or retyped column
//! fails in one place.
//!
//! Ids are stored as their text and read with `#[sqlx(try_from = "String")]` (each id type
//! checks its own form); a vocabulary value is stored as its one text form
//! ([`schemas::vocab::enum_text`]) and read as a [`Vocab`].

use schemas::vocab::Vocabulary;
use sqlx::error::BoxDynError;
use sqlx::postgres::{PgHasArrayType, PgTypeInfo, PgValueRef};
use sqlx::{Decode, Postgres, Type};

/// A vocabulary value (a role, a jurisdiction, a reason, ...) read from the text column that
/// holds its [`Vocabulary::text`]; text that is none of the vocabulary's values is a decoding
/// error naming the column and the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vocab<T>(pub T);

impl<T> Type<Postgres> for Vocab<T> {
    fn type_info() -> PgTypeInfo {
        <String as Type<Postgres>>::type_info()
    }

    fn compatible(ty: &PgTypeInfo) -> bool {
        <String as Type<Postgres>>::compatible(ty)
    }
}

impl<T> PgHasArrayType for Vocab<T> {
    fn array_type_info() -> PgTypeInfo {
        <String as PgHasArrayType>::array_type_info()
    }

    fn array_compatible(ty: &PgTypeInfo) -> bool {
        <String as PgHasArrayType>::array_compatible(ty)
    }
}

impl<'r, T: Vocabulary> Decode<'r, Postgres> for Vocab<T> {
    fn decode(value: PgValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as Decode<Postgres>>::decode(value)?;
        match T::from_text(&text) {
            Some(value) => Ok(Vocab(value)),
            None => Err(format!("{text:?} is not a {}", std::any::type_name::<T>()).into()),
        }
    }
}

/// A decoding error: a stored value the hub cannot read back (a row it did not write).
pub(crate) fn decode_err(e: impl Into<BoxDynError>) -> sqlx::Error {
    sqlx::Error::Decode(e.into())
}

/// Each of `texts` read as a `T` (ids stored as a text array).
pub(crate) fn each<T: TryFrom<String>>(texts: Vec<String>) -> Result<Vec<T>, sqlx::Error>
where
    T::Error: Into<BoxDynError>,
{
    texts
        .into_iter()
        .map(|t| T::try_from(t).map_err(decode_err))
        .collect()
}
