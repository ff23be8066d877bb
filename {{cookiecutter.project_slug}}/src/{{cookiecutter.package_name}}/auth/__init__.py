"""Registration and OAuth2 password-flow login."""
