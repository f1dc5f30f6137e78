pub mod problem;
pub mod source;
