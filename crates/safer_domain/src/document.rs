//! Documents attached to cases: which files are accepted, checked by their content, not by
//! what the uploader's name or browser claims.
//!
//! Case files are evidence (diary sheets, photographs, letters, noise recordings). A file is
//! accepted only when its bytes are one of the [`DocumentKind`]s and its name's extension
//! agrees with them, and it is at most the configured size. Everything else is refused with a
//! reason fit for the form. Nothing here trusts the declared content type; the stored type is
//! the sniffed one, and files are only ever served back as attachments with that type.

use std::fmt;

/// The largest document accepted by default: 20 MiB, enough for a phone photograph, a scanned
/// letter or a few minutes of recorded noise.
pub const DEFAULT_MAX_BYTES: usize = 20 * 1024 * 1024;

/// A kind of file Safer stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A PDF (letters, reports, scanned diary sheets).
    Pdf,
    /// A PNG image.
    Png,
    /// A JPEG image (phone photographs).
    Jpeg,
    /// Plain UTF-8 text.
    Text,
    /// A WAV recording (noise).
    Wav,
    /// An MP3 recording.
    Mp3,
    /// An MPEG-4 audio or video recording (`.m4a`, `.mp4`).
    Mp4,
}

impl DocumentKind {
    /// The media type it is stored and served with.
    pub fn media_type(self) -> &'static str {
        match self {
            DocumentKind::Pdf => "application/pdf",
            DocumentKind::Png => "image/png",
            DocumentKind::Jpeg => "image/jpeg",
            DocumentKind::Text => "text/plain; charset=utf-8",
            DocumentKind::Wav => "audio/wav",
            DocumentKind::Mp3 => "audio/mpeg",
            DocumentKind::Mp4 => "video/mp4",
        }
    }

    /// The file name extensions that may carry it, lower case.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            DocumentKind::Pdf => &["pdf"],
            DocumentKind::Png => &["png"],
            DocumentKind::Jpeg => &["jpg", "jpeg"],
            DocumentKind::Text => &["txt"],
            DocumentKind::Wav => &["wav"],
            DocumentKind::Mp3 => &["mp3"],
            DocumentKind::Mp4 => &["m4a", "mp4"],
        }
    }

    /// The kind with this stored media type.
    pub fn from_media_type(media_type: &str) -> Option<DocumentKind> {
        ALL.into_iter().find(|kind| kind.media_type() == media_type)
    }
}

const ALL: [DocumentKind; 7] = [
    DocumentKind::Pdf,
    DocumentKind::Png,
    DocumentKind::Jpeg,
    DocumentKind::Text,
    DocumentKind::Wav,
    DocumentKind::Mp3,
    DocumentKind::Mp4,
];

/// Why a file was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DocumentError {
    /// No bytes.
    Empty,
    /// Bigger than the limit.
    TooLarge {
        /// The limit in bytes.
        max_bytes: usize,
    },
    /// A name that cannot be stored or shown safely.
    BadName,
    /// The content is none of the accepted kinds.
    UnknownType,
    /// The extension says one thing and the content another.
    ExtensionMismatch {
        /// What the content is.
        kind: DocumentKind,
    },
}

impl fmt::Display for DocumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DocumentError::Empty => f.write_str("the selected file is empty"),
            DocumentError::TooLarge { max_bytes } => {
                write!(f, "the selected file must be smaller than {} MB", max_bytes / (1024 * 1024))
            }
            DocumentError::BadName => f.write_str(
                "the file name must be 1 to 120 characters without slashes or control characters",
            ),
            DocumentError::UnknownType => f.write_str(
                "the selected file must be a PDF, PNG, JPEG, plain text, WAV, MP3 or MP4 file",
            ),
            DocumentError::ExtensionMismatch { kind } => write!(
                f,
                "the file's name does not match its content, which is {}; rename it to end in .{}",
                kind.media_type(),
                kind.extensions()[0]
            ),
        }
    }
}

impl std::error::Error for DocumentError {}

/// What the content of `bytes` is, by its signature (and, for text, valid UTF-8 without
/// control characters other than tab, newline and carriage return).
pub fn sniff(bytes: &[u8]) -> Option<DocumentKind> {
    let starts = |prefix: &[u8]| bytes.starts_with(prefix);
    if starts(b"%PDF-") {
        Some(DocumentKind::Pdf)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(DocumentKind::Png)
    } else if starts(b"\xff\xd8\xff") {
        Some(DocumentKind::Jpeg)
    } else if bytes.len() >= 12 && starts(b"RIFF") && &bytes[8..12] == b"WAVE" {
        Some(DocumentKind::Wav)
    } else if starts(b"ID3") || (bytes.len() >= 2 && bytes[0] == 0xff && bytes[1] & 0xe0 == 0xe0) {
        Some(DocumentKind::Mp3)
    } else if bytes.len() >= 8 && &bytes[4..8] == b"ftyp" {
        Some(DocumentKind::Mp4)
    } else if is_plain_text(bytes) {
        Some(DocumentKind::Text)
    } else {
        None
    }
}

fn is_plain_text(bytes: &[u8]) -> bool {
    std::str::from_utf8(bytes)
        .is_ok_and(|text| text.chars().all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')))
}

/// Checks an upload: its name, size and content. Returns the kind to store it as.
pub fn check_upload(
    name: &str,
    bytes: &[u8],
    max_bytes: usize,
) -> Result<DocumentKind, DocumentError> {
    let name_ok = !name.trim().is_empty()
        && name.chars().count() <= 120
        && !name.chars().any(|c| c.is_control() || matches!(c, '/' | '\\'));
    if !name_ok {
        return Err(DocumentError::BadName);
    }
    if bytes.is_empty() {
        return Err(DocumentError::Empty);
    }
    if bytes.len() > max_bytes {
        return Err(DocumentError::TooLarge { max_bytes });
    }
    let kind = sniff(bytes).ok_or(DocumentError::UnknownType)?;
    let extension =
        name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).unwrap_or_default();
    if !kind.extensions().contains(&extension.as_str()) {
        return Err(DocumentError::ExtensionMismatch { kind });
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_the_name() {
        assert_eq!(check_upload("letter.pdf", b"%PDF-1.7\n...", 1000), Ok(DocumentKind::Pdf));
        assert_eq!(
            check_upload("photo.JPG", b"\xff\xd8\xff\xe0rest", 1000),
            Ok(DocumentKind::Jpeg)
        );
        assert_eq!(
            check_upload("diary.txt", b"Mon: music until 2am\n", 1000),
            Ok(DocumentKind::Text)
        );
        let wav = b"RIFF\x24\x00\x00\x00WAVEfmt ";
        assert_eq!(check_upload("noise.wav", wav, 1000), Ok(DocumentKind::Wav));
        assert_eq!(
            check_upload("noise.m4a", b"\x00\x00\x00\x20ftypM4A ", 1000),
            Ok(DocumentKind::Mp4)
        );
        // A program renamed as a PDF, an HTML page, a PDF renamed as text.
        assert_eq!(check_upload("x.pdf", b"MZ\x90\x00\x03", 1000), Err(DocumentError::UnknownType));
        assert_eq!(
            check_upload("page.txt", b"<script>\x07</script>", 1000),
            Err(DocumentError::UnknownType)
        );
        assert_eq!(
            check_upload("letter.txt", b"%PDF-1.4", 1000),
            Err(DocumentError::ExtensionMismatch { kind: DocumentKind::Pdf })
        );
    }

    #[test]
    fn size_and_name_limits() {
        assert_eq!(check_upload("a.txt", b"", 10), Err(DocumentError::Empty));
        assert_eq!(
            check_upload("a.txt", b"12345678901", 10),
            Err(DocumentError::TooLarge { max_bytes: 10 })
        );
        assert_eq!(check_upload("a.txt", b"1234567890", 10), Ok(DocumentKind::Text));
        for bad in ["", "  ", "../etc/passwd", "a\\b.txt", "bad\u{0}.txt"] {
            assert_eq!(check_upload(bad, b"text", 10), Err(DocumentError::BadName), "{bad:?}");
        }
        assert_eq!(
            DocumentError::TooLarge { max_bytes: DEFAULT_MAX_BYTES }.to_string(),
            "the selected file must be smaller than 20 MB"
        );
    }

    #[test]
    fn media_types_round_trip() {
        for kind in ALL {
            assert_eq!(DocumentKind::from_media_type(kind.media_type()), Some(kind));
        }
    }
}
