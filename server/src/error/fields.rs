//! Problems with the values a caller sent, by field: what a form shows beside each input.

use super::{Error, Problem};

/// Per-field problems, in the order the fields were checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors(Vec<(&'static str, Vec<Problem>)>);

impl FieldErrors {
    pub fn add(&mut self, field: &'static str, problem: Problem) {
        match self.0.iter_mut().find(|(name, _)| *name == field) {
            Some((_, problems)) => problems.push(problem),
            None => self.0.push((field, vec![problem])),
        }
    }

    /// Records every problem of a failed parse under `field` and yields the value when it parsed.
    pub fn check<T>(&mut self, field: &'static str, parsed: Result<T, Vec<Problem>>) -> Option<T> {
        match parsed {
            Ok(value) => Some(value),
            Err(problems) => {
                for problem in problems {
                    self.add(field, problem);
                }
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &[Problem])> {
        self.0
            .iter()
            .map(|(field, problems)| (*field, problems.as_slice()))
    }

    /// The problems recorded under `field` (none when it passed).
    pub fn of(&self, field: &str) -> &[Problem] {
        self.iter()
            .find(|(name, _)| *name == field)
            .map(|(_, problems)| problems)
            .unwrap_or_default()
    }

    /// `Ok(())` when nothing failed, otherwise the validation error.
    pub fn into_result(self) -> Result<(), Error> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(self))
        }
    }

    pub fn single(field: &'static str, problem: Problem) -> Error {
        let mut errors = Self::default();
        errors.add(field, problem);
        Error::Validation(errors)
    }
}
