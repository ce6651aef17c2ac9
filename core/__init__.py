"""The bottom layer every app may import: phone numbers (E.164, masking), stored texts (i18n), small shared types."""
