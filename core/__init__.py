"""The bottom layer every app may import: phone numbers (E.164, masking), small shared types."""
