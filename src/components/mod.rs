//! Small view pieces shared by every feature: form fields, submit buttons, messages.

mod card;
mod form;

pub use card::DataCard;
pub use form::{Field, FormFeedback, FormMessage, SelectField, SubmitButton, TextAreaField};
