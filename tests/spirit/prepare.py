"""Spirit-side helpers for tests/spirit/*.sh, run by the install's Python from its project
directory (DJANGO_SETTINGS_MODULE and SPIRIT_RUN_DIR set by the caller).

  prepare.py category            checks the public category replays post in (pk 2)
  prepare.py accounts N FILE.csv [PREFIX]
                                 provisions N active, verified accounts; writes handle,password
  prepare.py count               prints what the forum holds, as JSON, per user

Accounts are provisioned here because Spirit's registration leaves a user inactive until
an emailed activation link is clicked (RegistrationForm.save sets is_active=False).
"""

import csv
import json
import os
import secrets
import sys
from concurrent.futures import ProcessPoolExecutor

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.db.models import Count, Min  # noqa: E402

from spirit.category.models import Category  # noqa: E402
from spirit.comment.like.models import CommentLike  # noqa: E402
from spirit.comment.models import Comment  # noqa: E402
from spirit.topic.favorite.models import TopicFavorite  # noqa: E402
from spirit.topic.models import Topic  # noqa: E402
from spirit.topic.notification.models import TopicNotification  # noqa: E402

# The category every replayed topic goes to: Spirit's migrations create it ("Uncategorized").
CATEGORY_PK = 2
MAX_ACCOUNTS = 100_000


def category():
    found = Category.objects.filter(pk=CATEGORY_PK, is_private=False, is_removed=False).first()
    if found is None:
        sys.exit("no public category with pk %d" % CATEGORY_PK)
    print("category %d: %s" % (found.pk, found.title))


def accounts(count, path, prefix):
    if not 0 < count <= MAX_ACCOUNTS:
        sys.exit("accounts: COUNT must be 1..%d, not %d" % (MAX_ACCOUNTS, count))
    if not (prefix.isalnum() and prefix.islower() and len(prefix) <= 12):
        sys.exit("accounts: PREFIX must be at most 12 lowercase letters or digits")
    User = get_user_model()
    if User.objects.filter(username__regex=r"^%s[0-9]{6}$" % prefix).exists():
        sys.exit("accounts: %s… accounts exist already (start a fresh instance, or another PREFIX)" % prefix)
    rows = [("%s%06d" % (prefix, i), secrets.token_urlsafe(12)) for i in range(count)]
    # PBKDF2 costs ~0.5 CPU-seconds per password: hash on every core.
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        hashes = list(pool.map(make_password, [p for _, p in rows], chunksize=16))
    with transaction.atomic():
        for (handle, _), hashed in zip(rows, hashes):
            user = User(username=handle, email="%s@example.test" % handle, password=hashed)
            user.save()  # the post_save signal creates the Spirit profile
            user.st.is_verified = True
            user.st.save()
    with open(path, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["handle", "password"])
        writer.writerows(rows)
    print("%d accounts (%s…) in %s" % (count, rows[0][0], path))


def per_user(queryset, field):
    return {row[field]: row["n"] for row in queryset.values(field).annotate(n=Count("pk"))}


def count():
    comments = Comment.objects.filter(action=Comment.COMMENT)
    # A topic's first comment is its text (published with it); the others are replies.
    firsts = comments.values("topic").annotate(first=Min("pk")).values_list("first", flat=True)
    report = {
        "users": get_user_model().objects.count(),
        "logged_in": get_user_model().objects.filter(last_login__isnull=False).count(),
        "topics": per_user(Topic.objects.all(), "user__username"),
        "replies": per_user(comments.exclude(pk__in=list(firsts)), "user__username"),
        "likes": per_user(CommentLike.objects.all(), "user__username"),
        "favorites": per_user(TopicFavorite.objects.all(), "user__username"),
        "notifications": per_user(TopicNotification.objects.all(), "user__username"),
    }
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    print()


def main(argv):
    if argv[:1] == ["category"]:
        category()
    elif argv[:1] == ["accounts"] and len(argv) in (3, 4):
        accounts(int(argv[1]), argv[2], argv[3] if len(argv) == 4 else "u")
    elif argv[:1] == ["count"]:
        count()
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
