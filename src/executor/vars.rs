//! The values one journey carries from step to step: the built-ins (handle, password,
//! text), fields extracted from responses, and the fields of the current targets.

/// The values a journey has gathered: built-ins, extracted fields, the current targets.
#[derive(Debug, Default, Clone)]
pub(super) struct Vars {
    /// (name, raw JSON text); later values replace earlier ones.
    values: Vec<(String, String)>,
}

impl Vars {
    pub(super) fn set(&mut self, name: &str, raw: String) {
        match self.values.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = raw,
            None => self.values.push((name.to_string(), raw)),
        }
    }

    pub(super) fn set_text(&mut self, name: &str, text: &str) {
        self.set(name, serde_json::Value::String(text.to_string()).to_string());
    }

    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    /// Loads a stored record's fields under `prefix` (`""` for the journey's own user).
    pub(super) fn load(&mut self, prefix: &str, names: &[String], values: Vec<String>) {
        for (name, value) in names.iter().zip(values) {
            self.set(&format!("{prefix}{name}"), value);
        }
    }
}
