"""Password hashing with argon2id (slow and salted), re-hashed when the
parameters of the hasher change."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


# A hash to verify against when no account matches, so that a wrong login name
# takes as long as a wrong password and does not reveal who has an account.
DUMMY_HASH = _hasher.hash("not-a-real-password")
