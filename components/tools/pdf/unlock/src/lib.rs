//! `pdf/unlock-pdf`: remove the password from an encrypted PDF.
//!
//! The file is read with lopdf and the given password (user or owner; every standard
//! security handler lopdf knows: RC4, AES-128, AES-256), decrypted and written without
//! `/Encrypt`. A wrong password is [`ToolError::InvalidSettings`] ("wrong password", 400);
//! a file that is not encrypted is [`ToolError::UnsupportedInput`]. The password is always
//! checked against the encryption dictionary, as user or owner password, even for a file
//! whose user password is empty (a permissions-restricted file, which lopdf opens without
//! a password): only its owner password unlocks it. Loading is bounded like pdf-kit's
//! `load`: a `%PDF-` header, a readable page tree, at most `MAX_PAGES` pages, a bound on
//! decompressed object streams.

use lathe_pdf_kit::lopdf::{Document, EncryptionState, Error, LoadOptions, Object};
use lathe_pdf_kit::{one_pdf_tool_info, pdf_output, PageTree};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, unsupported, Input, Output, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Settings {
    password: Option<String>,
}

/// The most characters of a password.
const MAX_PASSWORD: usize = 256;

/// The most bytes an object stream may decompress to while loading.
const MAX_DECOMPRESSED: usize = 256 * 1024 * 1024;

/// Loads and decrypts an encrypted PDF with `password`.
fn load_encrypted(input: &Input, password: &str) -> Result<Document, ToolError> {
    let head = &input.data[..input.data.len().min(1024)];
    if !head.windows(5).any(|w| w == b"%PDF-") {
        return Err(unsupported(format!("'{}' is not a PDF file", input.name)));
    }
    let mut options = LoadOptions::with_password(password);
    options.max_decompressed_size = Some(MAX_DECOMPRESSED);
    let mut doc = match Document::load_mem_with_options(&input.data, options) {
        Ok(doc) => doc,
        Err(Error::InvalidPassword) => return Err(invalid_settings("wrong password")),
        Err(e) => {
            return Err(unsupported(format!(
                "'{}' could not be read as a PDF: {e}",
                input.name
            )))
        }
    };
    // lopdf strips /Encrypt from the trailer once it has decrypted; the security handler
    // it used stays in `encryption_state`, the dictionary in the objects.
    let Some(state) = doc.encryption_state.as_ref() else {
        return Err(unsupported(format!(
            "'{}' is not password-protected",
            input.name
        )));
    };
    // lopdf tries the empty user password first (as readers do), so a file whose user
    // password is empty opened whatever `password` was: check the password itself.
    if !password_matches(&doc, state, password) {
        return Err(invalid_settings("wrong password"));
    }
    if let Some(id) = state.encrypt_object_id() {
        doc.objects.remove(&id);
    }
    Ok(doc)
}

/// Whether `password` is the user or the owner password of the decrypted `doc`, whose
/// security handler is `state`.
///
/// lopdf's own check (`Document::authenticate_password`: algorithms 6 and 7 of ISO 32000-1
/// for R2-R4, algorithm 2.A with the /U and /O validation salts of ISO 32000-2 for R5/R6)
/// reads the `/Encrypt` dictionary through the trailer, and lopdf drops both once it has
/// decrypted. So the dictionary is rebuilt from `state` (`EncryptionState::encode` writes
/// the same /V /R /O /U /OE /UE /Perms /P values it read) into a small probe document that
/// also carries the file's `/ID` (the R2-R4 key derivation hashes its first element), and
/// checked there; no hand-written cryptography needed.
fn password_matches(doc: &Document, state: &EncryptionState, password: &str) -> bool {
    let Ok(dict) = state.encode() else {
        return false;
    };
    let mut probe = Document::new();
    if let Ok(id) = doc.trailer.get(b"ID") {
        let id = match id {
            Object::Reference(r) => doc.get_object(*r).cloned().unwrap_or(Object::Null),
            other => other.clone(),
        };
        probe.trailer.set("ID", id);
    }
    let encrypt = probe.add_object(dict);
    probe.trailer.set("Encrypt", encrypt);
    probe.authenticate_password(password).is_ok()
}

struct Unlock;

impl Tool for Unlock {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "unlock-pdf",
            "Unlock PDF",
            "Remove the password from a PDF, given its password.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "password": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD}
                },
                "required": ["password"]
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let password = settings.password.unwrap_or_default();
        let n = password.chars().count();
        if n == 0 || n > MAX_PASSWORD {
            return Err(invalid_settings(format!(
                "password is required (1 to {MAX_PASSWORD} characters)"
            )));
        }
        let input = &inputs[0];
        let mut doc = load_encrypted(input, &password)?;
        let tree = PageTree::of(&doc).map_err(|e| match e {
            ToolError::UnsupportedInput(m) => unsupported(format!("'{}': {m}", input.name)),
            other => other,
        })?;
        // The objects are plaintext now: drop the security handler.
        doc.trailer.remove(b"Encrypt");
        doc.encryption_state = None;
        Ok(pdf_output(&mut doc, format!("{}.pdf", input.stem()))?
            .with_extra(serde_json::json!({"pageCount": tree.len()})))
    }
}

lathe_tool_sdk::export_tool!(Unlock);
