"""Staff administration pages: people and their roles, invitations, and the emergency pages.

Destructive or account-wide actions ask for confirmation on a page of their own and act only on
POST. Facility, unit and bed pages are in ``facility_views``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import Membership, User
from detoxdesk.audit import log
from detoxdesk.lib.forms import apply_errors
from detoxdesk.patients import access as patient_access
from detoxdesk.patients.models import Patient
from detoxdesk.staff import access, actions
from detoxdesk.staff.forms import (
    AcceptInvitationForm,
    AssignRoleForm,
    ChangeRoleForm,
    EmergencyAccessForm,
    EmergencyReviewForm,
    InviteForm,
    StaffSearchForm,
)
from detoxdesk.staff.models import EmergencyGrant, StaffInvitation
from detoxdesk.staff.versions import fingerprint

PAGE_SIZE = 25


def page_of(request: HttpRequest, rows: QuerySet[Any]) -> Any:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
def staff_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    managed = access.require(user, permissions.STAFF_MANAGE)
    form = StaffSearchForm(request.GET)
    people = access.visible_staff(user).order_by("last_name", "first_name", "username")
    if form.is_valid():
        people = _filter_people(people, form.cleaned_data)
    people = people.prefetch_related(
        Prefetch(
            "memberships",
            queryset=Membership.objects.filter(facility_id__in=managed).select_related("facility"),
            to_attr="managed_roles",
        )
    )
    page = page_of(request, people)
    locked = actions.locked_usernames(person.username for person in page.object_list)
    return render(request, "staff/list.html", {"form": form, "page": page, "locked": locked})


def _filter_people(people: QuerySet[User], data: dict[str, Any]) -> QuerySet[User]:
    if query := data.get("q", "").strip():
        people = people.filter(
            Q(first_name__icontains=query)
            | Q(last_name__icontains=query)
            | Q(username__icontains=query)
            | Q(email__icontains=query)
        )
    status = data.get("status")
    if status == "active":
        people = people.filter(is_active=True)
    elif status == "inactive":
        people = people.filter(is_active=False)
    elif status == "locked":
        locked = actions.locked_usernames(people.values_list("username", flat=True))
        people = people.filter(username__in=locked)
    return people


@login_required
def person(request: HttpRequest, staff_uuid: str) -> HttpResponse:
    user = staff_user(request)
    target = access.get_staff_for_user(user, staff_uuid)
    form = AssignRoleForm(facilities=_assignable(user, target))
    return _person_page(request, user, target, form)


def _assignable(user: User, target: User | None = None) -> Any:
    """Facilities ``user`` administers, less those where ``target`` already holds a role."""
    facilities = access.managed_facilities(user, permissions.STAFF_MANAGE).order_by("name")
    if target is not None:
        facilities = facilities.exclude(memberships__user=target)
    return facilities


def _person_page(
    request: HttpRequest, user: User, target: User, form: AssignRoleForm, status: int = 200
) -> HttpResponse:
    managed = permissions.facility_ids_with(user, permissions.STAFF_MANAGE)
    roles = target.memberships.select_related("facility").order_by("facility__name")
    context = {
        "person": target,
        "roles": [(m, m.facility_id in managed) for m in roles],
        "form": form,
        "locked": bool(actions.locked_usernames([target.username])),
        "is_self": target.pk == user.pk,
    }
    return render(request, "staff/person.html", context, status=status)


@login_required
@require_POST
def assign_role(request: HttpRequest, staff_uuid: str) -> HttpResponse:
    user = staff_user(request)
    target = access.get_staff_for_user(user, staff_uuid)
    form = AssignRoleForm(request.POST, facilities=_assignable(user, target))
    if form.is_valid():
        try:
            actions.do_assign_role(
                target,
                acting_user=user,
                facility=form.cleaned_data["facility"],
                role=form.cleaned_data["role"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"{target} now has a role at {form.cleaned_data['facility']}."
            )
            return redirect("staff:person", staff_uuid=target.uuid)
    return _person_page(request, user, target, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def change_role(request: HttpRequest, staff_uuid: str, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    target = access.get_staff_for_user(user, staff_uuid)
    membership = access.get_membership_for_user(user, target, facility_uuid)
    form = ChangeRoleForm(
        request.POST or None,
        initial={"role": membership.role, "version": fingerprint(membership.role)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_change_role(
                membership,
                acting_user=user,
                role=form.cleaned_data["role"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Role at {membership.facility} saved.")
            return redirect("staff:person", staff_uuid=target.uuid)
    status = 400 if form.errors else 200
    context = {"person": target, "membership": membership, "form": form}
    return render(request, "staff/change_role.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def remove_role(request: HttpRequest, staff_uuid: str, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    target = access.get_staff_for_user(user, staff_uuid)
    membership = access.get_membership_for_user(user, target, facility_uuid)
    confirm = Confirmation(
        title=f"Remove {target}'s role at {membership.facility}?",
        body=f"{target} will no longer be {membership.get_role_display()} at "
        f"{membership.facility} and will lose what that role opens there.",
        button="Remove the role",
        cancel=reverse("staff:person", args=[target.uuid]),
    )
    return confirm.handle(
        request,
        lambda: actions.do_remove_role(membership, acting_user=user),
        done=f"{target}'s role at {membership.facility} was removed.",
    )


@dataclass(frozen=True)
class AccountAction:
    title: str
    body: str
    button: str
    done: str
    act: Callable[..., object]


ACCOUNT_ACTIONS = {
    "deactivate": AccountAction(
        "Deactivate {person}?",
        "{person} is signed out everywhere at once and cannot sign in until an administrator "
        "reactivates the account. Their records and roles are kept.",
        "Deactivate the account",
        "{person}'s account is deactivated and every session has ended.",
        actions.do_deactivate,
    ),
    "reactivate": AccountAction(
        "Reactivate {person}?",
        "{person} can sign in again with their roles as they were.",
        "Reactivate the account",
        "{person}'s account is active again.",
        actions.do_reactivate,
    ),
    "unlock": AccountAction(
        "Unlock {person}?",
        "This lifts the lockout after failed sign-ins, so {person} can try again at once. "
        "Check first that it was them who failed to sign in.",
        "Unlock the account",
        "{person}'s account is unlocked.",
        actions.do_unlock,
    ),
    "reset-mfa": AccountAction(
        "Reset {person}'s multi-factor authentication?",
        "{person}'s authenticator devices and recovery codes are removed; they set up a new "
        "device at their next sign-in. Confirm who they are before you do this.",
        "Reset multi-factor authentication",
        "{person}'s multi-factor authentication was reset.",
        actions.do_reset_mfa,
    ),
}


@login_required
@require_http_methods(["GET", "POST"])
def account_action(request: HttpRequest, staff_uuid: str, action: str) -> HttpResponse:
    user = staff_user(request)
    target = access.get_staff_for_user(user, staff_uuid)
    spec = ACCOUNT_ACTIONS.get(action)
    if spec is None:
        raise Http404("No such action.")
    name = str(target)
    confirm = Confirmation(
        title=spec.title.format(person=name),
        body=spec.body.format(person=name),
        button=spec.button,
        cancel=reverse("staff:person", args=[target.uuid]),
    )
    return confirm.handle(
        request, lambda: spec.act(target, acting_user=user), done=spec.done.format(person=name)
    )


@dataclass(frozen=True)
class Confirmation:
    """A confirmation page: GET shows it, POST runs the action and returns to ``cancel``."""

    title: str
    body: str
    button: str
    cancel: str
    danger: bool = True

    def handle(
        self, request: HttpRequest, act: Callable[[], object], *, done: str, then: str = ""
    ) -> HttpResponse:
        error = None
        if request.method == "POST":
            try:
                act()
            except ValidationError as exc:
                error = " ".join(exc.messages)
            else:
                messages.success(request, done)
                return redirect(then or self.cancel)
        return render(
            request,
            "staff/confirm.html",
            {"confirm": self, "error": error},
            status=400 if error else 200,
        )


@login_required
@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    form = InviteForm(request.POST or None, facilities=_assignable(user))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation, _ = actions.do_invite_staff(
                acting_user=user,
                facility=data["facility"],
                role=data["role"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                link_for=lambda token: request.build_absolute_uri(
                    reverse("staff:accept", args=[token])
                ),
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"An invitation was sent to {invitation.email}.")
            return redirect("staff:invite")
    managed = permissions.facility_ids_with(user, permissions.STAFF_MANAGE)
    open_invitations = StaffInvitation.objects.filter(
        facility_id__in=managed,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).select_related("facility", "created_by")
    context = {"form": form, "page": page_of(request, open_invitations)}
    return render(request, "staff/invite.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def revoke_invitation(request: HttpRequest, invitation_uuid: str) -> HttpResponse:
    user = staff_user(request)
    invitation = access.get_invitation_for_user(user, invitation_uuid)
    confirm = Confirmation(
        title=f"Withdraw the invitation to {invitation.email}?",
        body="The link in the e-mail stops working. You can invite the person again later.",
        button="Withdraw the invitation",
        cancel=reverse("staff:invite"),
    )
    return confirm.handle(
        request,
        lambda: actions.do_revoke_invitation(invitation, acting_user=user),
        done=f"The invitation to {invitation.email} was withdrawn.",
    )


@sensitive_post_parameters("password", "password_again")
@require_http_methods(["GET", "POST"])
def accept(request: HttpRequest, token: str) -> HttpResponse:
    """Set up a staff account from an invitation link (nobody may be signed in)."""
    if request.user.is_authenticated:
        return render(request, "staff/accept.html", {"signed_in": True}, status=403)
    invitation = actions.usable_invitation(token)
    if invitation is None:
        return render(request, "staff/accept.html", {"expired": True}, status=404)
    form = AcceptInvitationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_accept_staff_invitation(
                token,
                acting_user=None,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            # Sign-in goes through the sign-in page, so its lockout and audit apply.
            messages.success(request, "Your account is ready. Sign in with your new password.")
            return redirect("accounts:login")
    status = 400 if form.errors else 200
    context = {"form": form, "invitation": invitation}
    return render(request, "staff/accept.html", context, status=status)


# Emergency access ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def emergency_access(request: HttpRequest) -> HttpResponse:
    """A clinician opens a chart outside their facilities, stating why (ONC 170.315(d)(6))."""
    user = staff_user(request)
    access.require(user, permissions.EMERGENCY_ACCESS)
    form = EmergencyAccessForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        patient = _emergency_patient(user, form)
        if patient is not None and patient_access.visible_patients(user).filter(pk=patient.pk):
            messages.info(request, "This patient is already in your facilities.")
            return redirect("patients:chart", patient_uuid=patient.uuid)
        if patient is not None:
            try:
                actions.do_grant_emergency_access(
                    patient, acting_user=user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                return redirect("patients:chart", patient_uuid=patient.uuid)
    status = 400 if form.errors else 200
    context = {"form": form, "minutes": settings.EMERGENCY_ACCESS_MINUTES}
    return render(request, "staff/emergency.html", context, status=status)


def _emergency_patient(user: User, form: EmergencyAccessForm) -> Patient | None:
    """The patient in the user's programs matching both identifiers, else a form error."""
    programs = permissions.facilities_with(user, permissions.EMERGENCY_ACCESS).values("program_id")
    patient = Patient.objects.filter(
        program_id__in=programs,
        record_number__iexact=form.cleaned_data["record_number"].strip(),
        date_of_birth=form.cleaned_data["date_of_birth"],
    ).first()
    if patient is None:
        form.add_error(
            "record_number",
            "No patient in your program has this record number and date of birth.",
        )
    return patient


@login_required
def emergency_review(request: HttpRequest) -> HttpResponse:
    """Every emergency opening of a chart of the reviewer's facilities' patients, newest first."""
    user = staff_user(request)
    ids = access.require(user, permissions.EMERGENCY_REVIEW)
    theirs = Patient.objects.filter(Q(episodes__facility_id__in=ids) | Q(registered_at_id__in=ids))
    grants = EmergencyGrant.objects.filter(patient__in=theirs).select_related("user", "patient")
    form = EmergencyReviewForm(request.GET)
    if form.is_valid() and (query := form.cleaned_data["q"].strip()):
        grants = grants.filter(
            Q(user__last_name__icontains=query)
            | Q(user__first_name__icontains=query)
            | Q(user__username__icontains=query)
            | Q(patient__family_name__icontains=query)
            | Q(patient__given_name__icontains=query)
        )
    with transaction.atomic():
        log.record("emergency.reviewed", actor=user)
    context = {"form": form, "page": page_of(request, grants), "now": timezone.now()}
    return render(request, "staff/emergency_review.html", context)
