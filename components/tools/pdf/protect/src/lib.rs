//! `pdf/protect-pdf`: encrypt a PDF with AES-256 (PDF 2.0 standard security handler,
//! `/V 5 /R 6`) so that it opens only with a password.
//!
//! `userPassword` (required) opens the document; `ownerPassword` (optional) unlocks
//! every permission and defaults to a random one nobody knows. All permissions are granted
//! to the user password holder. Strings and streams are encrypted with a random 256-bit
//! file key by lopdf's AESV3 crypt filter; the document gets a random `/ID` if it has none.

use std::collections::BTreeMap;
use std::sync::Arc;

use lathe_pdf_kit::lopdf::encryption::crypt_filters::{Aes256CryptFilter, CryptFilter};
use lathe_pdf_kit::lopdf::{
    dictionary, xref::XrefType, Document, EncryptionState, EncryptionVersion, Object, Permissions,
    StringFormat,
};
use lathe_pdf_kit::{fix_lengths, load, one_pdf_tool_info, prepare_for_save, write_classic};
use lathe_tool_sdk::{
    invalid_settings, parse_settings, Input, Output, OutputFile, Tool, ToolError, ToolInfo,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    user_password: Option<String>,
    owner_password: Option<String>,
}

/// The most characters of a password (AES-256 passwords are cut to 127 UTF-8 bytes by
/// the standard after SASLprep; longer ones are accepted and cut the same way by readers).
const MAX_PASSWORD: usize = 256;

/// Random bytes from the host.
fn random<const N: usize>() -> Result<[u8; N], ToolError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)
        .map_err(|e| ToolError::Failed(format!("no randomness available: {e}")))?;
    Ok(buf)
}

/// Checks a password setting: 1..=256 characters, no control characters.
fn password(value: Option<&str>, name: &str) -> Result<Option<String>, ToolError> {
    let Some(p) = value else { return Ok(None) };
    let n = p.chars().count();
    if n == 0 || n > MAX_PASSWORD {
        return Err(invalid_settings(format!(
            "{name} must have 1 to {MAX_PASSWORD} characters"
        )));
    }
    if p.chars().any(char::is_control) {
        return Err(invalid_settings(format!(
            "{name} must not contain control characters"
        )));
    }
    Ok(Some(p.to_string()))
}

/// Encrypts `doc` with AES-256 and serialises it.
fn protect(mut doc: Document, user: &str, owner: &str) -> Result<Vec<u8>, ToolError> {
    let failed = |e: lathe_pdf_kit::lopdf::Error| {
        ToolError::Failed(format!("could not encrypt the PDF: {e}"))
    };
    // Same clean-up as pdf-kit's save, done before encrypting so that /Encrypt survives.
    prepare_for_save(&mut doc);
    if !doc.trailer.has(b"ID") {
        let id = random::<16>()?.to_vec();
        doc.trailer.set(
            "ID",
            vec![
                Object::String(id.clone(), StringFormat::Hexadecimal),
                Object::String(id, StringFormat::Hexadecimal),
            ],
        );
    }
    doc.reference_table.cross_reference_type = XrefType::CrossReferenceTable;
    doc.max_id = doc.objects.keys().next_back().map(|id| id.0).unwrap_or(0);
    // AES-256 is PDF 2.0 (or 1.7 with Adobe extension level 8, as qpdf writes it).
    if doc.version.as_str() < "1.7" || doc.version.len() > 8 {
        doc.version = "1.7".into();
    }
    if doc.version.as_str() < "2.0" {
        if let Ok(catalog) = doc.catalog_mut() {
            if !catalog.has(b"Extensions") {
                catalog.set(
                    "Extensions",
                    dictionary! { "ADBE" => dictionary! { "BaseVersion" => Object::Name(b"1.7".to_vec()), "ExtensionLevel" => 8 } },
                );
            }
        }
    }
    let key = random::<32>()?;
    let filter: Arc<dyn CryptFilter> = Arc::new(Aes256CryptFilter);
    let state = EncryptionState::try_from(EncryptionVersion::V5 {
        encrypt_metadata: true,
        crypt_filters: BTreeMap::from([(b"StdCF".to_vec(), filter)]),
        file_encryption_key: &key,
        stream_filter: b"StdCF".to_vec(),
        string_filter: b"StdCF".to_vec(),
        owner_password: owner,
        user_password: user,
        permissions: Permissions::all(),
    })
    .map_err(failed)?;
    doc.encrypt(&state).map_err(failed)?;
    fix_lengths(&mut doc);
    write_classic(&mut doc)
}

struct Protect;

impl Tool for Protect {
    fn describe() -> ToolInfo {
        one_pdf_tool_info(
            "protect-pdf",
            "Protect PDF",
            "Encrypt a PDF with AES-256 so that it opens only with a password.",
            serde_json::json!({
                "type": "object",
                "properties": {
                    "userPassword": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD, "description": "password needed to open the PDF"},
                    "ownerPassword": {"type": "string", "minLength": 1, "maxLength": MAX_PASSWORD, "description": "owner password; default a random one"}
                },
                "required": ["userPassword"]
            }),
        )
    }

    fn run(inputs: Vec<Input>, settings: &str) -> Result<Output, ToolError> {
        let settings: Settings = parse_settings(settings)?;
        let user = password(settings.user_password.as_deref(), "userPassword")?
            .ok_or_else(|| invalid_settings("userPassword is required (1 to 256 characters)"))?;
        let owner = match password(settings.owner_password.as_deref(), "ownerPassword")? {
            Some(owner) => owner,
            None => random::<24>()?.iter().map(|b| format!("{b:02x}")).collect(),
        };
        let input = &inputs[0];
        let doc = load(input)?;
        let pages = doc.get_pages().len();
        let bytes = protect(doc, &user, &owner)?;
        Ok(Output::file(OutputFile::new(
            format!("{}.pdf", input.stem()),
            "application/pdf",
            bytes,
        ))
        .with_extra(serde_json::json!({"pageCount": pages, "encryption": "AES-256"})))
    }
}

lathe_tool_sdk::export_tool!(Protect);
