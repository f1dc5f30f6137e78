# Settings for a local Spirit forum that stampede replays against (tests/spirit/start.sh).
# On top of the project's generated base settings; everything a run writes goes under
# SPIRIT_RUN_DIR (one directory per port), and the server listens on 127.0.0.1 only.
import os

from .base import *  # noqa: F401,F403 (the settings `spirit startproject` generates)

RUN_DIR = os.environ["SPIRIT_RUN_DIR"]

DEBUG = False
SECRET_KEY = os.environ["SPIRIT_SECRET_KEY"]
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ST_SITE_URL = "http://127.0.0.1:%s/" % os.environ.get("SPIRIT_PORT", "8000")

# SQLite as Django recommends it for concurrent writers: WAL (readers never wait for the
# writer), IMMEDIATE transactions (a writer takes the lock at BEGIN instead of failing on
# upgrade with "database is locked"), and a wait of up to 20 s for the lock.
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.path.join(RUN_DIR, "db.sqlite3"),
        "OPTIONS": {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }
}

# Per-process caches (no memcached here); the cache table of base.py would be one more
# writer on the SQLite lock for every page.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "st_rate_limit": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "spirit_rl_cache",
        "TIMEOUT": None,
    },
}

# Spirit's per-IP and per-user rate limits (a topic per 10 s, five logins per 5 min) are
# off: a replay comes from one address, and would measure the limiter, not the forum.
ST_RATELIMIT_ENABLE = False

# Spirit drops a post whose text repeats the author's previous one within 30 minutes (a
# double click). A replay's generated texts repeat by construction (the same length gives
# the same text), so the guard would drop posts that people, writing different texts,
# would have made; off, every replayed post is stored.
ST_DOUBLE_POST_THRESHOLD_MINUTES = 0

# Password hashing: Django's default (PBKDF2, ~0.5 CPU-seconds per login here) unless
# SPIRIT_HASH=low picks MD5, as Spirit's own dev settings do (tests that check
# correctness, not login cost).
if os.environ.get("SPIRIT_HASH", "default") == "low":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Activation and notification mail goes nowhere.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"

HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": os.path.join(RUN_DIR, "search"),
    }
}

MEDIA_ROOT = os.path.join(RUN_DIR, "media")
# Static files (CSS, JS) served by WhiteNoise from the collected directory of the install,
# so the web UI works with DEBUG off (the HAR recording drives it).
STATIC_ROOT = os.path.join(BASE_DIR, "static")
MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")  # noqa: F405

LOGGING["handlers"]["file"]["filename"] = os.path.join(RUN_DIR, "django.log")  # noqa: F405
LOGGING["loggers"][""]["handlers"] = ["console"]  # noqa: F405
LOGGING["loggers"]["django"]["handlers"] = ["console"]  # noqa: F405
