"""Audit event names written by sign-in, the password check, MFA and password reset."""

from __future__ import annotations

EVENTS: dict[str, str] = {
    "auth.signed_in": "Signed in",
    "auth.sign_in_failed": "Failed sign-in",
    "auth.locked_out": "Username locked at an address after repeated failed password checks",
    "auth.signed_out": "Signed out",
    "auth.attempt_while_locked": "Password tried while the username was locked at that address",
    "auth.second_signer_failed": "Wrong password given for a second signer",
    "auth.second_signer_confirmed": "Second signer's password confirmed",
    "auth.reauth_failed": "Wrong password given to confirm identity before signing",
    "auth.reauthenticated": "Identity confirmed again before signing",
    "auth.password_check_failed": "Wrong old password on the password change form",
    "auth.password_checked": "Old password confirmed on the password change form",
    "auth.password_changed": "Password changed",
    "auth.password_reset_requested": "Password reset e-mail requested",
    "auth.password_reset": "Password set from a reset e-mail link",
    "auth.mfa_enrolled": "Authenticator app set up, recovery codes issued",
    "auth.mfa_verified": "Second factor accepted",
    "auth.mfa_failed": "Second factor refused",
    "auth.mfa_policy_changed": "Program's multi-factor sign-in requirement changed",
}
