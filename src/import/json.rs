//! JSON-lines access logs: one object per line, with the field names the user's log
//! format chose (`--json-field time=ts` …). Times are RFC 3339 strings, nginx
//! `$time_local` strings or Unix seconds (a number, fractions allowed); the request is
//! either `method` + `path` fields or one nginx-style `request` field.

use serde_json::Value;

use super::format::{BadLine, Record, clf_time, key_hash, path_of, request_line, rfc3339_time};

/// The field names of a JSON log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonFields {
    pub time: String,
    pub method: String,
    pub path: String,
    /// `"GET /path HTTP/1.1"`, used when `method`/`path` are absent.
    pub request: String,
    pub status: String,
    /// The user or session key (a user id, a token hash); absent → no journeys.
    pub key: String,
}

impl Default for JsonFields {
    /// The names `stampede serve --access-log-format json` writes.
    fn default() -> Self {
        Self {
            time: "time".into(),
            method: "method".into(),
            path: "path".into(),
            request: "request".into(),
            status: "status".into(),
            key: "user".into(),
        }
    }
}

/// Why a `--json-field` setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "--json-field {0:?}: {1} (expected NAME=FIELD with NAME one of time, method, path, request, status, key)"
)]
pub struct FieldError(pub String, pub &'static str);

impl JsonFields {
    /// Applies one `NAME=FIELD` setting.
    pub fn set(&mut self, setting: &str) -> Result<(), FieldError> {
        let error = |why| FieldError(setting.to_string(), why);
        let (name, field) = setting.split_once('=').ok_or_else(|| error("no `=`"))?;
        let field = field.trim();
        if field.is_empty() {
            return Err(error("the field name is empty"));
        }
        let slot = match name.trim() {
            "time" => &mut self.time,
            "method" => &mut self.method,
            "path" => &mut self.path,
            "request" => &mut self.request,
            "status" => &mut self.status,
            "key" => &mut self.key,
            _ => return Err(error("unknown name")),
        };
        *slot = field.to_string();
        Ok(())
    }
}

/// The parsed object of one line; [`Record`] borrows its strings from here.
pub fn parse_object(line: &str) -> Result<serde_json::Map<String, Value>, BadLine> {
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(BadLine("the line is JSON but not an object")),
        Err(_) => Err(BadLine("the line is not JSON")),
    }
}

/// The request of one JSON object.
pub fn record<'a>(
    object: &'a serde_json::Map<String, Value>,
    fields: &JsonFields,
    keyed: bool,
) -> Result<Record<'a>, BadLine> {
    let time_us = match object.get(&fields.time) {
        Some(Value::String(text)) => rfc3339_time(text).or_else(|_| clf_time(text))?,
        Some(Value::Number(secs)) => match secs.as_f64() {
            // Unix seconds between 1970 and 9999: anything else is a typo or another unit.
            Some(secs) if (0.0..253_402_300_800.0).contains(&secs) => (secs * 1e6).round() as i64,
            _ => return Err(BadLine("the time number is not Unix seconds")),
        },
        Some(_) => return Err(BadLine("the time is neither a string nor a number")),
        None => return Err(BadLine("the time field is missing")),
    };
    let text = |name: &str| object.get(name).and_then(Value::as_str);
    let (method, path) = match (text(&fields.method), text(&fields.path), text(&fields.request)) {
        (Some(method), Some(path), _) => {
            if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
                return Err(BadLine("the method is not an upper-case word"));
            }
            (method, path_of(path)?)
        }
        (_, _, Some(request)) => request_line(request)?,
        _ => return Err(BadLine("the method and path (or request) fields are missing")),
    };
    let status = match object.get(&fields.status) {
        None | Some(Value::Null) => None,
        Some(value) => {
            let code = value.as_u64().or_else(|| value.as_str().and_then(|s| s.parse().ok()));
            match code {
                Some(code @ 100..=599) => Some(code as u16),
                _ => return Err(BadLine("the status is not a number from 100 to 599")),
            }
        }
    };
    let key = if keyed {
        match object.get(&fields.key) {
            Some(Value::String(key)) if !key.is_empty() && key != "-" => Some(key_hash(&[key])),
            Some(Value::Number(key)) => Some(key_hash(&[&key.to_string()])),
            _ => None,
        }
    } else {
        None
    };
    Ok(Record { time_us, method, path, status, key })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Time, method, path, status and key of a parsed line.
    type Parsed = (i64, String, String, Option<u16>, Option<u64>);

    fn parse(line: &str, fields: &JsonFields) -> Result<Parsed, BadLine> {
        let object = parse_object(line)?;
        let r = record(&object, fields, true)?;
        Ok((r.time_us, r.method.to_string(), r.path.to_string(), r.status, r.key))
    }

    #[test]
    fn reads_the_default_fields() {
        let line = r#"{"time":"2025-01-13T05:00:01.5Z","method":"GET","path":"/api/timeline?x=1","status":200,"user":"u7"}"#;
        let got = parse(line, &JsonFields::default()).expect("parses");
        assert_eq!(
            got,
            (1_736_744_401_500_000, "GET".into(), "/api/timeline".into(), Some(200), Some(key_hash(&["u7"])))
        );
    }

    #[test]
    fn renamed_fields_request_lines_and_epoch_seconds() {
        let mut fields = JsonFields::default();
        for setting in ["time=ts", "request=req", "status=code", "key=session"] {
            fields.set(setting).expect("valid setting");
        }
        let line = r#"{"ts":1736744401.25,"req":"POST /api/signup HTTP/2.0","code":"201","session":42}"#;
        let got = parse(line, &fields).expect("parses");
        assert_eq!(
            got,
            (1_736_744_401_250_000, "POST".into(), "/api/signup".into(), Some(201), Some(key_hash(&["42"])))
        );
        let nginx_time = r#"{"ts":"13/Jan/2025:05:00:01 +0000","req":"GET / HTTP/1.1"}"#;
        assert_eq!(
            parse(nginx_time, &fields).map(|g| (g.0, g.3, g.4)),
            Ok((1_736_744_401_000_000, None, None))
        );
    }

    #[test]
    fn bad_lines_and_bad_settings() {
        let fields = JsonFields::default();
        let cases = [
            ("{", "the line is not JSON"),
            ("[1]", "the line is JSON but not an object"),
            (r#"{"method":"GET","path":"/"}"#, "the time field is missing"),
            (r#"{"time":1e300,"method":"GET","path":"/"}"#, "the time number is not Unix seconds"),
            (r#"{"time":-1,"method":"GET","path":"/"}"#, "the time number is not Unix seconds"),
            (
                r#"{"time":"yesterday","method":"GET","path":"/"}"#,
                "the time is not `dd/Mon/yyyy:HH:MM:SS +zzzz`",
            ),
            (r#"{"time":1,"path":"/"}"#, "the method and path (or request) fields are missing"),
            (r#"{"time":1,"method":"get","path":"/"}"#, "the method is not an upper-case word"),
            (
                r#"{"time":1,"method":"GET","path":"/","status":99}"#,
                "the status is not a number from 100 to 599",
            ),
        ];
        for (line, reason) in cases {
            assert_eq!(parse(line, &fields), Err(BadLine(reason)), "{line}");
        }
        let mut fields = JsonFields::default();
        assert_eq!(fields.set("time"), Err(FieldError("time".into(), "no `=`")));
        assert_eq!(fields.set("when=ts"), Err(FieldError("when=ts".into(), "unknown name")));
        assert_eq!(fields.set("key= "), Err(FieldError("key= ".into(), "the field name is empty")));
    }
}
