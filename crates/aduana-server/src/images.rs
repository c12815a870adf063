//! Images that people upload — the examinations' photos and the cases' photos and X-ray images: what is accepted
//! (PNG and JPEG, recognised by their first bytes and decoded whole within a memory bound), the thumbnails the
//! pages show, and where the files go under the data directory. Decoding is CPU work: callers run
//! [`check_image`] and [`make_thumbnail`] on a blocking thread.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The longest side of a thumbnail, in pixels.
pub(crate) const THUMBNAIL_SIZE: u32 = 240;

/// The most memory one decoded image may take. A PNG of a few kilobytes can claim 60,000 × 60,000 pixels; the
/// decoder refuses before allocating instead. 512 MiB holds a 10,000 × 10,000 RGBA scan with room to spare.
const MAX_DECODE_BYTES: u64 = 512 << 20;

/// A PNG or JPEG image that decoded, with what the store and the pages need.
#[derive(Debug, Clone)]
pub(crate) struct CheckedImage {
    /// `image/png` or `image/jpeg`.
    pub(crate) content_type: &'static str,
    /// The file extension to store it under.
    pub(crate) extension: &'static str,
    pub(crate) width: u32,
    pub(crate) height: u32,
    /// The SHA-256 of the bytes, lower-case hex.
    pub(crate) sha256: String,
    /// A PNG of at most [`THUMBNAIL_SIZE`] on its longest side.
    pub(crate) thumbnail: Vec<u8>,
}

/// Returns the media type of PNG or JPEG bytes, with the extension to store them under; `None` for anything else.
pub(crate) fn png_or_jpeg(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else {
        None
    }
}

/// Checks that bytes are a whole PNG or JPEG image and makes its thumbnail.
///
/// # Errors
/// What is wrong, for the uploader: not PNG or JPEG, or what the decoder found (truncated, corrupt, too large).
pub(crate) fn check_image(bytes: &[u8]) -> Result<CheckedImage, String> {
    let Some((content_type, extension)) = png_or_jpeg(bytes) else {
        return Err("expected a PNG or JPEG image, found other bytes".to_owned());
    };
    let picture = decode(bytes).map_err(|e| format!("the {} image cannot be read: {e}", &extension.to_uppercase()))?;
    let thumbnail = encode_thumbnail(&picture).map_err(|e| format!("no thumbnail could be made: {e}"))?;
    Ok(CheckedImage {
        content_type,
        extension,
        width: picture.width(),
        height: picture.height(),
        sha256: aduana_store::audit::hex(&Sha256::digest(bytes)),
        thumbnail,
    })
}

/// Returns a PNG thumbnail of a PNG or JPEG image (at most [`THUMBNAIL_SIZE`] on its longest side, aspect kept).
///
/// # Errors
/// The image's decoding or encoding error (e.g. a WebP photo, whose decoder is not built in).
pub(crate) fn make_thumbnail(bytes: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    encode_thumbnail(&decode(bytes)?)
}

fn decode(bytes: &[u8]) -> Result<image::DynamicImage, image::ImageError> {
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    reader.decode()
}

fn encode_thumbnail(picture: &image::DynamicImage) -> Result<Vec<u8>, image::ImageError> {
    let small = picture.thumbnail(THUMBNAIL_SIZE, THUMBNAIL_SIZE);
    let mut out = std::io::Cursor::new(Vec::new());
    small.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(out.into_inner())
}

/// Whether a stored name is one the server made (`{prefix}-{hex}.{ext}`: letters, digits, `-` and `.`, not
/// starting with a dot), checked before it is joined to a directory.
pub(crate) fn is_stored_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with('.')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
}

/// The directory the images of cases are stored in, under the photos directory.
pub(crate) fn case_image_dir(photos_dir: &Path) -> PathBuf {
    photos_dir.join("cases")
}

/// The thumbnail file of a stored image.
pub(crate) fn thumbnail_path(dir: &Path, stored_name: &str) -> PathBuf {
    dir.join("thumbnails").join(format!("{stored_name}.png"))
}

/// Returns a file name as uploaded, fit to show: without control characters, at most 200 characters, `fallback`
/// when nothing is left.
pub(crate) fn display_name(file_name: Option<&str>, fallback: &str) -> String {
    let name: String = file_name.unwrap_or("").chars().filter(|c| !c.is_control()).take(200).collect();
    let name = name.trim();
    if name.is_empty() { fallback.to_owned() } else { name.to_owned() }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(width: u32, height: u32, format: image::ImageFormat) -> Vec<u8> {
        let picture =
            image::RgbImage::from_fn(width, height, |x, _| image::Rgb([u8::try_from(x % 256).unwrap_or(0), 10, 20]));
        let mut bytes = std::io::Cursor::new(Vec::new());
        picture.write_to(&mut bytes, format).expect("encoding");
        bytes.into_inner()
    }

    #[test]
    fn a_thumbnail_keeps_the_aspect_within_the_size_and_bad_bytes_are_an_error() {
        for format in [image::ImageFormat::Png, image::ImageFormat::Jpeg] {
            let thumb = make_thumbnail(&encoded(960, 480, format)).expect("a thumbnail");
            let small = image::load_from_memory_with_format(&thumb, image::ImageFormat::Png).expect("a PNG");
            assert_eq!((small.width(), small.height()), (240, 120), "{format:?}");
        }
        assert!(make_thumbnail(b"RIFF....WEBPVP8 not really").is_err());
    }

    #[test]
    fn a_checked_image_has_its_type_size_digest_and_thumbnail() {
        let bytes = encoded(300, 600, image::ImageFormat::Jpeg);
        let checked = check_image(&bytes).expect("a JPEG");
        assert_eq!((checked.content_type, checked.extension), ("image/jpeg", "jpg"));
        assert_eq!((checked.width, checked.height), (300, 600));
        assert_eq!(checked.sha256, aduana_store::audit::hex(&Sha256::digest(&bytes)));
        let small = image::load_from_memory_with_format(&checked.thumbnail, image::ImageFormat::Png).expect("PNG");
        assert_eq!((small.width(), small.height()), (120, 240));
    }

    #[test]
    fn other_formats_truncated_images_and_decompression_bombs_are_refused() {
        assert_eq!(check_image(b"GIF89a....").expect_err("a GIF"), "expected a PNG or JPEG image, found other bytes");
        let png = encoded(64, 64, image::ImageFormat::Png);
        let truncated = check_image(&png[..png.len() / 2]).expect_err("half a PNG");
        assert!(truncated.starts_with("the PNG image cannot be read: "), "{truncated}");
        // A PNG of a few dozen bytes claiming 60,000 × 60,000 pixels (about 10 GiB decoded).
        let mut bomb = b"\x89PNG\r\n\x1a\n".to_vec();
        let ihdr = [&60_000u32.to_be_bytes()[..], &60_000u32.to_be_bytes()[..], &[8, 2, 0, 0, 0]].concat();
        for (kind, data) in [(&b"IHDR"[..], &ihdr[..]), (b"IDAT", &[0x78, 0x9c, 0x03, 0, 0, 0, 0, 1]), (b"IEND", &[])] {
            bomb.extend_from_slice(&u32::try_from(data.len()).expect("small").to_be_bytes());
            bomb.extend_from_slice(kind);
            bomb.extend_from_slice(data);
            bomb.extend_from_slice(&crc32(&[kind, data].concat()).to_be_bytes());
        }
        let refused = check_image(&bomb).expect_err("a bomb");
        assert!(refused.starts_with("the PNG image cannot be read: ") && refused.contains("limit"), "{refused}");
    }

    #[test]
    fn stored_names_are_only_those_the_server_makes() {
        assert!(is_stored_name("12-0a1b2c3d4e5f6789.png"));
        for bad in ["", ".hidden", "../etc/passwd", "a/b.png", "a b.png", "a\\b"] {
            assert!(!is_stored_name(bad), "{bad}");
        }
        assert_eq!(display_name(Some("x\u{7}ray\n.png"), "image"), "xray.png");
        assert_eq!(display_name(Some("  "), "image"), "image");
    }

    /// CRC-32 (ISO-HDLC), for the hand-made PNG chunk above.
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }
}
