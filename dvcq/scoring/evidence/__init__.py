"""Evidence (tài liệu kiểm chứng): the unit's library of files, uploads, downloads and links to items."""
