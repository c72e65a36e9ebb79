"""Password rules beyond Django's own validators."""

import re

from django.contrib.auth import password_validation

# A password's words: runs of letters, split at anything else (digits, spaces, punctuation).
WORD = re.compile(r"[^\W\d_]{3,}")


class UserAttributeSimilarityValidator(password_validation.UserAttributeSimilarityValidator):
    """Django's check that the password is not too like the username, e-mail or name, word by word too.

    Django compares the whole password with each attribute, so the username twice
    ("personc-personc" for personc) or the username with digits ("personc1234567")
    passed. Each word of the password (three letters or more) now gets the same
    check, with the same message.
    """

    def validate(self, password, user=None):
        super().validate(password, user)
        for word in WORD.findall(password):
            super().validate(word, user)
