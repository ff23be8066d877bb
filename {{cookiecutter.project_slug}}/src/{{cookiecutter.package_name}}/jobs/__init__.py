"""Background jobs: queued by the API, run after the answer, their status and result kept in
the `jobs` table whichever runner runs them."""
