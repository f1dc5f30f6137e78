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
        // Straight to JSON text: a `Value` on the way cost an extra copy per step.
        self.set(name, serde_json::to_string(text).unwrap_or_default());
    }

    pub(super) fn get(&self, name: &str) -> Option<String> {
        self.values.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    }

    /// Loads a stored record's fields under `prefix` (`""` for the journey's own user).
    pub(super) fn load(&mut self, prefix: &str, names: &[String], values: Vec<String>) {
        for (name, value) in names.iter().zip(values) {
            // Found without building `prefix + name`: a journey loads the same few names
            // again at every pick, so only the first load of a name allocates it.
            let same = |n: &str| {
                n.len() == prefix.len() + name.len() && n.starts_with(prefix) && n.ends_with(name.as_str())
            };
            match self.values.iter_mut().find(|(n, _)| same(n)) {
                Some(slot) => slot.1 = value,
                None => self.values.push((format!("{prefix}{name}"), value)),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loads_replace_their_own_prefixed_names_only() {
        let names = ["id".to_string(), "handle".to_string()];
        let mut vars = Vars::default();
        vars.set_text("handle", "me \"quoted\"");
        vars.load("target_user.", &names, vec!["1".into(), "\"ana\"".into()]);
        vars.load("target_user.", &names, vec!["2".into(), "\"bo\"".into()]);
        vars.load("target_post.", &names[..1], vec!["9".into()]);
        assert_eq!(vars.get("target_user.id").as_deref(), Some("2"));
        assert_eq!(vars.get("target_user.handle").as_deref(), Some("\"bo\""));
        assert_eq!(vars.get("target_post.id").as_deref(), Some("9"));
        assert_eq!(vars.get("handle").as_deref(), Some(r#""me \"quoted\"""#));
        assert_eq!(vars.values.len(), 4, "{:?}", vars.values);
    }
}
