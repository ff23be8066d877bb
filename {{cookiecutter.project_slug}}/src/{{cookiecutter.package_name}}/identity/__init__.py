"""Who is calling: the tokens that act for a user, the OAuth2 scheme that carries them, and
the current caller as a dependency. Above `users`, below every domain with routes."""
