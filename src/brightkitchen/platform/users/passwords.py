"""The password policy for people's accounts: long enough, not the username, not a well-known password."""

from __future__ import annotations

import re
import secrets

MIN_LENGTH = 10
# Letters and digits that cannot be misread when a password is read out or copied from paper (no 0/o, 1/l/i).
_READABLE = "abcdefghjkmnpqrstuvwxyz23456789"

# The most common passwords of public breach lists (and the shapes they take here), lowercased; anything
# in this list is the first thing a guesser tries, whatever its length.
COMMON_PASSWORDS = frozenset(  # one string, split: a literal list would run to 150 lines
    """
    123456 123456789 12345678 1234567890 12345 1234567 123123 111111 000000 1234 654321 666666 888888 123321
    1q2w3e4r 1q2w3e4r5t 1qaz2wsx 1qaz2wsx3edc qwerty qwertyuiop qwerty123 qwe123 asdfghjkl zxcvbnm
    password password1 password12 password123 password1234 passw0rd p@ssw0rd p@ssword admin admin123
    admin1234 admin12345 administrator root123 root1234 welcome welcome1 welcome123 letmein letmein123
    iloveyou iloveyou1 abc123 abc12345 abcd1234 abcdefg abcdefgh abcdefghij a123456 a12345678 aa123456
    aa12345678 abc123456 qq123456 woaini woaini1314 woaini520 5201314 1314520 520520 monkey dragon
    football baseball sunshine princess superman starwars trustno1 master shadow michael jennifer
    changeme changeme123 default secret secret123 test1234 test12345 testtest guest guest123 user123
    user1234 login123 computer internet whatever freedom qazwsxedc 1234qwer 12qwaszx zaq12wsx
    88888888 11111111 00000000 12341234 123456a 123456abc 123456789a 1234567890a 147258369 987654321
    0123456789 9876543210 11223344 1122334455 123654789 159357 147258 a1234567 a1b2c3d4 q1w2e3r4
    q1w2e3r4t5 asd123 asdasd asdf1234 asdfasdf zxc123 zxcvbn123 123qwe 123qweasd 123qweasdzxc
    brightkitchen mingchu mingchuliangzao kitchen123 school123 xuexiao123 changeme1 welcome2024 welcome2025
    password2024 password2025 password2026 admin2024 admin2025 admin2026
    """.split()  # noqa: SIM905
)


def _core(text: str) -> str:
    return re.sub(r"[\d\W_]+$", "", text)


def password_rule(password: str, username: str | None = None) -> tuple[str, str] | None:
    """The rule ``password`` breaks, as (code, message): too_short, is_username or too_common; None when none."""
    if len(password) < MIN_LENGTH:
        return "too_short", f"the password needs at least {MIN_LENGTH} characters"
    folded = password.casefold()
    # "Password1!", "admin123456" and "zhangsan2026" are still the same guess: strip what people tack on.
    core = _core(folded)
    name = (username or "").casefold()
    if name and (folded == name or core in (name, _core(name))):
        return "is_username", "the password may not be the username (with digits or symbols added)"
    if folded in COMMON_PASSWORDS or core in COMMON_PASSWORDS or re.fullmatch(r"(.)\1*|\d+", folded):
        return (
            "too_common",
            "the password is too common: choose one that is not a well-known password or a run of digits",
        )
    return None


def password_problem(password: str, username: str | None = None) -> str | None:
    """Why ``password`` is refused, or None when it is acceptable."""
    rule = password_rule(password, username)
    return rule[1] if rule else None


def one_time_password() -> str:
    """A password to hand over once (reset, import, new account): four groups of four, about 79 bits."""
    groups = ("".join(secrets.choice(_READABLE) for _ in range(4)) for _ in range(4))
    return "-".join(groups)
