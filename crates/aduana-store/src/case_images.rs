//! Photos and X-ray images attached to an enforcement case ([`CaseImageStore`], a supertrait of [`crate::Store`],
//! migration 0010). The store keeps what each image is — its case, kind, file name as uploaded, the server's
//! stored name, media type, size, dimensions, SHA-256 and caption — while the bytes are files under the server's
//! data directory, written by the server before the row. Implemented for both backends by
//! `impl_case_image_store!`; every image is added with its audit entry in one transaction.

use serde::Serialize;

use crate::StoreError;
use crate::records::Timestamp;

/// What an image shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum CaseImageKind {
    /// A photograph (of the goods, the concealment, the conveyance …).
    Photo,
    /// An X-ray (or other scanner) image.
    XRay,
}

impl CaseImageKind {
    /// Every kind, in the order forms list them.
    pub const ALL: [CaseImageKind; 2] = [CaseImageKind::Photo, CaseImageKind::XRay];

    /// Returns the kind as stored and as the API writes it (`photo`, `x_ray`).
    pub fn as_str(self) -> &'static str {
        match self {
            CaseImageKind::Photo => "photo",
            CaseImageKind::XRay => "x_ray",
        }
    }

    /// Returns a label for people.
    pub fn label(self) -> &'static str {
        match self {
            CaseImageKind::Photo => "Photo",
            CaseImageKind::XRay => "X-ray image",
        }
    }

    /// Parses `photo` or `x_ray`.
    ///
    /// # Errors
    /// A message naming what was expected and what was found.
    pub fn parse(text: &str) -> Result<CaseImageKind, String> {
        match text.trim() {
            "photo" => Ok(CaseImageKind::Photo),
            "x_ray" => Ok(CaseImageKind::XRay),
            other => Err(format!("expected `photo` or `x_ray`, found `{other}`")),
        }
    }
}

/// An image to record; the file named `stored_name` is already written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCaseImage {
    /// The case it belongs to.
    pub case_id: i64,
    /// What it shows.
    pub kind: CaseImageKind,
    /// The file name as uploaded (for people; never used as a path).
    pub file_name: String,
    /// The name the server stored the file under (unique).
    pub stored_name: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The size of the file.
    pub size_bytes: i64,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// What the officer says it shows (may be empty).
    pub caption: String,
    /// Who uploaded it.
    pub uploaded_by: String,
}

/// A recorded image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CaseImage {
    /// Its id.
    pub id: i64,
    /// The case it belongs to.
    pub case_id: i64,
    /// What it shows.
    pub kind: CaseImageKind,
    /// The file name as uploaded.
    pub file_name: String,
    /// The name the server stored the file under.
    #[serde(skip)]
    pub stored_name: String,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// The size of the file.
    pub size_bytes: i64,
    /// Its width in pixels.
    pub width: u32,
    /// Its height in pixels.
    pub height: u32,
    /// The SHA-256 of the file, lower-case hex.
    pub sha256: String,
    /// What it shows, in the officer's words.
    pub caption: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// When.
    pub uploaded_at: Timestamp,
}

/// Persistence of the images of cases.
#[async_trait::async_trait]
pub trait CaseImageStore: Send + Sync {
    /// Records an image of a case with its audit entry (`case.image.add` by the uploader, subject `case/ID`, with
    /// the image's id, kind, file name, size and SHA-256) in one transaction; `NotFound` when the case does not
    /// exist.
    async fn add_case_image(&self, image: &NewCaseImage) -> Result<CaseImage, StoreError>;
    /// Returns the images of a case, oldest first.
    async fn case_images(&self, case_id: i64) -> Result<Vec<CaseImage>, StoreError>;
    /// Returns one image.
    async fn case_image(&self, id: i64) -> Result<Option<CaseImage>, StoreError>;
}

/// Implements [`CaseImageStore`] for a backend; expanded in the backend's module after `impl_sql_store!`, whose
/// `begin_write` and `append_audit_in` it uses.
macro_rules! impl_case_image_store {
    ($store:ty) => {
        const CASE_IMAGE_COLUMNS: &str = "id, case_id, kind, file_name, stored_name, content_type, size_bytes, \
             width, height, sha256, caption, uploaded_by, uploaded_at";

        fn case_image_row(row: &DbRow) -> Result<crate::case_images::CaseImage, StoreError> {
            let id: i64 = row.try_get("id")?;
            let corrupt = |reason: String| StoreError::Corrupt { what: "case image", id: id.to_string(), reason };
            let kind: String = row.try_get("kind")?;
            let dimension = |column: &str| -> Result<u32, StoreError> {
                let value: i64 = row.try_get(column)?;
                u32::try_from(value).map_err(|_| corrupt(format!("{column} {value} is out of range")))
            };
            let uploaded_at: String = row.try_get("uploaded_at")?;
            Ok(crate::case_images::CaseImage {
                id,
                case_id: row.try_get("case_id")?,
                kind: crate::case_images::CaseImageKind::parse(&kind).map_err(corrupt)?,
                file_name: row.try_get("file_name")?,
                stored_name: row.try_get("stored_name")?,
                content_type: row.try_get("content_type")?,
                size_bytes: row.try_get("size_bytes")?,
                width: dimension("width")?,
                height: dimension("height")?,
                sha256: row.try_get("sha256")?,
                caption: row.try_get("caption")?,
                uploaded_by: row.try_get("uploaded_by")?,
                uploaded_at: parse_timestamp("case image", &id.to_string(), &uploaded_at)?,
            })
        }

        #[async_trait::async_trait]
        impl crate::case_images::CaseImageStore for $store {
            async fn add_case_image(
                &self,
                image: &crate::case_images::NewCaseImage,
            ) -> Result<crate::case_images::CaseImage, StoreError> {
                let (_gate, mut tx) = self.begin_write().await?;
                let case = sqlx::query("SELECT id FROM enforcement_cases WHERE id = $1")
                    .bind(image.case_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if case.is_none() {
                    return Err(StoreError::NotFound { what: "case", id: image.case_id.to_string() });
                }
                let now = timestamp_text(ChronoUtc::now());
                let sql = format!(
                    "INSERT INTO enforcement_case_images (case_id, kind, file_name, stored_name, content_type, \
                     size_bytes, width, height, sha256, caption, uploaded_by, uploaded_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING {CASE_IMAGE_COLUMNS}"
                );
                let row = sqlx::query(&sql)
                    .bind(image.case_id)
                    .bind(image.kind.as_str())
                    .bind(&image.file_name)
                    .bind(&image.stored_name)
                    .bind(&image.content_type)
                    .bind(image.size_bytes)
                    .bind(i64::from(image.width))
                    .bind(i64::from(image.height))
                    .bind(&image.sha256)
                    .bind(&image.caption)
                    .bind(&image.uploaded_by)
                    .bind(&now)
                    .fetch_one(&mut *tx)
                    .await?;
                let stored = case_image_row(&row)?;
                let entry = NewAuditEntry {
                    actor: image.uploaded_by.clone(),
                    action: "case.image.add".to_owned(),
                    subject: format!("case/{}", image.case_id),
                    details: serde_json::json!({
                        "image": stored.id,
                        "kind": image.kind.as_str(),
                        "file_name": image.file_name,
                        "bytes": image.size_bytes,
                        "sha256": image.sha256,
                    }),
                };
                append_audit_in(&mut tx, &entry).await?;
                tx.commit().await?;
                Ok(stored)
            }

            async fn case_images(&self, case_id: i64) -> Result<Vec<crate::case_images::CaseImage>, StoreError> {
                let sql = format!("SELECT {CASE_IMAGE_COLUMNS} FROM enforcement_case_images WHERE case_id = $1 ORDER BY id");
                let rows = sqlx::query(&sql).bind(case_id).fetch_all(&self.pool).await?;
                rows.iter().map(case_image_row).collect()
            }

            async fn case_image(&self, id: i64) -> Result<Option<crate::case_images::CaseImage>, StoreError> {
                let sql = format!("SELECT {CASE_IMAGE_COLUMNS} FROM enforcement_case_images WHERE id = $1");
                let row = sqlx::query(&sql).bind(id).fetch_optional(&self.pool).await?;
                row.as_ref().map(case_image_row).transpose()
            }
        }
    };
}

pub(crate) use impl_case_image_store;
