//! Small view pieces shared by every feature: form fields, submit buttons, messages.

mod form;

pub use form::{Field, FormFeedback, FormMessage, SelectField, SubmitButton, TextAreaField};
