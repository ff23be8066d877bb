"""Configuration, database and security shared by every domain."""
