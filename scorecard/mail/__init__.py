"""Email: rendering, sending, and the jobs that compose and deliver it."""
