//! Small view pieces shared by every feature: form fields, submit buttons, messages.

mod card;
mod form;

pub use card::{DataCard, Forbidden};
pub use form::{
    saved_signal, Field, FormFeedback, FormMessage, SelectField, SubmitButton, TextAreaField,
};
