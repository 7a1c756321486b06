"""Progress notes: the notes of an episode, writing, signing, addenda, co-signatures, the
golden thread, group sessions, the program's templates, and amendment requests (staff side)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from detoxdesk.accounts import permissions
from detoxdesk.accounts.auth import staff_user
from detoxdesk.accounts.models import User
from detoxdesk.audit import log
from detoxdesk.lib.forms import apply_errors
from detoxdesk.notes import actions, forms, queries
from detoxdesk.notes.access import get_amendment_for_user, get_note_for_user
from detoxdesk.notes.models import AmendmentRequest, Note
from detoxdesk.patients import access
from detoxdesk.patients.models import Episode, Facility, Program

PAGE_SIZE = 20
GROUP_CANDIDATES_MAX = 100  # the attendees a group form offers: a page bound, not a clinical one


def _page(request: HttpRequest, rows: QuerySet[Any] | list[Any]) -> Page[Any]:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def _to_note(note: Note) -> HttpResponse:
    return redirect("notes:note", note_uuid=note.uuid)


@login_required
def episode_notes(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid)
    log.viewed(user, "note.viewed", target=episode, changes={"page": "list"})
    context = {
        "episode": episode,
        "patient": episode.patient,
        "page": _page(request, queries.episode_notes(episode)),
        "templates": [t for t in queries.templates_for(episode.facility.program) if t.active],
        "can_write": permissions.can(user, permissions.NOTE_WRITE, episode.facility),
    }
    return render(request, "notes/list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def new_note(request: HttpRequest, episode_uuid: str, template_key: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid, capability=permissions.NOTE_WRITE)
    template = queries.template_for(episode.facility.program, template_key)
    if template is None or not template.active or template.group:
        raise Http404("No such note template in use.")
    goals = queries.goals_of(queries.plan_for(episode))
    initial = {"event_at": forms.local_now(), "goal": request.GET.get("goal", "")}
    form = forms.NoteForm(list(template.sections), goals, request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            note = actions.do_draft_note(
                episode,
                acting_user=user,
                template_key=template.key,
                values=form.section_values(),
                event_at=form.cleaned_data["event_at"],
                goal=form.cleaned_data["goal"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Draft saved. Read it through, then sign it.")
            return _to_note(note)
    context = {"episode": episode, "patient": episode.patient, "form": form, "title": template.name}
    return render(request, "notes/note_form.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit_note(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid, capability=permissions.NOTE_WRITE)
    if note.status != Note.Status.DRAFT or note.author_id != user.pk:
        raise PermissionDenied("Only the author changes a draft; a signed note takes an addendum.")
    goals = queries.goals_of(queries.plan_for(note.episode))
    form = forms.NoteForm(
        note.sections, goals, request.POST or None, initial=forms.note_initial(note)
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_note(
                note,
                acting_user=user,
                values=form.section_values(),
                event_at=form.cleaned_data["event_at"],
                goal=form.cleaned_data["goal"],
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            if getattr(exc, "code", None) == "stale":  # show what the draft says now
                note.refresh_from_db()
                form.data = forms.note_initial(note)
        else:
            messages.success(request, "Draft saved.")
            return _to_note(note)
    context = {"episode": note.episode, "patient": note.episode.patient, "form": form}
    return render(request, "notes/note_form.html", context | {"title": f"Edit: {note.title}"})


def _note_context(
    request: HttpRequest, user: User, note: Note, **forms_given: Any
) -> dict[str, Any]:
    facility = note.episode.facility
    is_author = note.author_id == user.pk
    draft = note.status == Note.Status.DRAFT
    can_write = permissions.can(user, permissions.NOTE_WRITE, facility)
    needs_cosign = note.cosign_required and not hasattr(note, "cosignature")
    can_cosign = (
        needs_cosign and not is_author and permissions.can(user, permissions.NOTE_COSIGN, facility)
    )
    context: dict[str, Any] = {
        "note": note,
        "episode": note.episode,
        "patient": note.episode.patient,
        "addenda": list(note.addenda.select_related("author", "amendment_request")),
        "amendments": list(note.amendment_requests.all()),
        "can_edit": draft and is_author and can_write,
        "needs_cosign": needs_cosign,
    }
    if draft and is_author and can_write:
        context["sign_form"] = forms_given.get("sign_form") or forms.SignForm(
            initial={"read_version": note.version}, reauth_request=request
        )
    if not draft and can_write:
        context["addendum_form"] = forms_given.get("addendum_form") or forms.AddendumForm(
            reauth_request=request
        )
    if can_cosign:
        context["cosign_form"] = forms_given.get("cosign_form") or forms.CosignForm(
            reauth_request=request
        )
    return context


@login_required
def note_detail(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid)
    log.viewed(user, "note.viewed", target=note)
    return render(request, "notes/note.html", _note_context(request, user, note))


@login_required
def print_note(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid)
    log.viewed(user, "note.viewed", target=note, changes={"page": "print"})
    addenda = note.addenda.select_related("author", "amendment_request")
    context = {
        "note": note,
        "patient": note.episode.patient,
        "addenda": addenda,
        "disagreements": note.amendment_requests.exclude(disagreement=""),
    }
    return render(request, "notes/print.html", context)


@login_required
@require_POST
def sign_note(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid, capability=permissions.NOTE_WRITE)
    form = forms.SignForm(request.POST, reauth_request=request)
    if form.is_valid():
        try:
            actions.do_sign_note(
                note, acting_user=user, read_version=form.cleaned_data["read_version"]
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Note signed. It cannot change now; corrections are addenda.")
            return _to_note(note)
    note.refresh_from_db()
    context = _note_context(request, user, note, sign_form=form)
    return render(request, "notes/note.html", context, status=400)


@login_required
@require_POST
def add_addendum(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid, capability=permissions.NOTE_WRITE)
    form = forms.AddendumForm(request.POST, reauth_request=request)
    if form.is_valid():
        try:
            actions.do_add_addendum(note, acting_user=user, text=form.cleaned_data["text"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Addendum signed.")
            return _to_note(note)
    context = _note_context(request, user, note, addendum_form=form)
    return render(request, "notes/note.html", context, status=400)


@login_required
@require_POST
def cosign_note(request: HttpRequest, note_uuid: str) -> HttpResponse:
    user = staff_user(request)
    note = get_note_for_user(user, note_uuid, capability=permissions.NOTE_COSIGN)
    form = forms.CosignForm(request.POST, reauth_request=request)
    if form.is_valid():
        try:
            actions.do_cosign(note, acting_user=user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return _to_note(note)
        messages.success(request, "Note co-signed.")
        return redirect("notes:cosign_list")
    context = _note_context(request, user, note, cosign_form=form)
    return render(request, "notes/note.html", context, status=400)


@login_required
def golden_thread(request: HttpRequest, episode_uuid: str) -> HttpResponse:
    user = staff_user(request)
    episode = access.get_episode_for_user(user, episode_uuid)
    log.viewed(user, "note.viewed", target=episode, changes={"page": "golden_thread"})
    plan = queries.plan_for(episode)
    threads, unmatched = queries.golden_thread(episode, plan)
    context = {
        "episode": episode,
        "patient": episode.patient,
        "plan": plan,
        "threads": threads,
        "unmatched": unmatched,
    }
    return render(request, "notes/thread.html", context)


def _group_candidates(facility: Facility) -> list[Episode]:
    return list(
        Episode.objects.filter(facility=facility, status=Episode.Status.ACTIVE)
        .select_related("patient", "bed")
        .order_by("patient__family_name", "patient__given_name", "id")[:GROUP_CANDIDATES_MAX]
    )


def _participation(request: HttpRequest, candidates: list[Episode]) -> dict[Episode, str]:
    chosen = set(request.POST.getlist("attendee"))
    return {
        e: request.POST.get(f"participation-{e.uuid}", "")[: actions.TEXT_MAX]
        for e in candidates
        if str(e.uuid) in chosen
    }


@login_required
@require_http_methods(["GET", "POST"])
def group_note(request: HttpRequest, facility_uuid: str) -> HttpResponse:
    user = staff_user(request)
    ids = permissions.facility_ids_with(user, permissions.NOTE_WRITE)
    facility = Facility.objects.filter(uuid=facility_uuid, pk__in=ids).first()
    if facility is None:
        raise Http404("No such facility among yours.")
    candidates = _group_candidates(facility)
    form = forms.GroupForm(request.POST or None, initial={"event_at": forms.local_now()})
    participation = _participation(request, candidates) if request.method == "POST" else {}
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_document_group(
                facility, acting_user=user, participation=participation, **form.cleaned_data
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request, f"Group documented: {len(participation)} draft notes to read and sign."
            )
            return redirect("notes:mine")
    log.viewed(user, "note.viewed", facility=facility, changes={"page": "group"})
    rows = [(e, e in participation, participation.get(e, "")) for e in candidates]
    context = {"facility": facility, "form": form, "rows": rows}
    return render(request, "notes/group_form.html", context)


@login_required
def my_drafts(request: HttpRequest) -> HttpResponse:
    """The signed-in author's unsigned drafts, oldest first."""
    user = staff_user(request)
    ids = permissions.facility_ids_with(user, permissions.NOTE_WRITE)
    if not ids:
        raise PermissionDenied("Your role does not write notes.")
    drafts = (
        Note.objects.filter(author=user, status=Note.Status.DRAFT, episode__facility_id__in=ids)
        .select_related("episode__patient", "group_session")
        .order_by("event_at", "id")
    )
    log.viewed(user, "note.viewed", changes={"page": "my_drafts"})
    return render(request, "notes/mine.html", {"page": _page(request, drafts)})


@login_required
def cosign_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    ids = permissions.facility_ids_with(user, permissions.NOTE_COSIGN)
    if not ids:
        raise PermissionDenied("Your role does not co-sign notes.")
    log.viewed(user, "note.cosign_list_viewed")
    page = _page(request, queries.cosign_worklist(ids, user.pk))
    return render(request, "notes/cosign_list.html", {"page": page})


# Templates and settings (directors) ------------------------------------------------------------


def _program(user: User) -> Program:
    return access.configured_program(user, "Only a program director can change note templates.")


def _require_templates(user: User) -> Program:
    program = _program(user)
    if not permissions.facility_ids_with(user, permissions.NOTE_TEMPLATES):
        raise PermissionDenied("Only a program director can change note templates.")
    return program


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    program = _require_templates(user)
    context = {"program": program, "templates": queries.templates_for(program)}
    return render(request, "notes/templates.html", context)


def _template_or_404(program: Program, key: str) -> queries.Template:
    template = queries.template_for(program, key)
    if template is None:
        raise Http404("No such note template.")
    return template


@login_required
@require_http_methods(["GET", "POST"])
def edit_template(request: HttpRequest, key: str) -> HttpResponse:
    user = staff_user(request)
    program = _require_templates(user)
    template = _template_or_404(program, key)
    initial = {
        "name": template.name,
        "sections": "\n".join(s["label"] for s in template.sections),
        "read_version": template.version,
    }
    form = forms.TemplateForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_edit_template(
                program,
                acting_user=user,
                key=key,
                name=form.cleaned_data["name"],
                labels=form.labels(),
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
            if getattr(exc, "code", None) == "stale":
                form.data = {**initial, **_template_initial(program, key)}
        else:
            messages.success(request, f"Template “{form.cleaned_data['name']}” saved.")
            return redirect("notes:templates")
    return render(request, "notes/template_form.html", {"form": form, "template": template})


def _template_initial(program: Program, key: str) -> dict[str, Any]:
    now = _template_or_404(program, key)
    return {
        "name": now.name,
        "sections": "\n".join(s["label"] for s in now.sections),
        "read_version": now.version,
    }


@login_required
@require_http_methods(["GET", "POST"])
def template_active(request: HttpRequest, key: str) -> HttpResponse:
    """Take a template out of use (after a confirmation) or back into use."""
    user = staff_user(request)
    program = _require_templates(user)
    template = _template_or_404(program, key)
    form = forms.ActiveForm(request.POST or None, initial={"read_version": template.version})
    if template.active is False:
        del form.fields["confirm"]  # putting back into use destroys nothing
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_set_template_active(
                program,
                acting_user=user,
                key=key,
                active=not template.active,
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            done = "back in use" if not template.active else "out of use"
            messages.success(request, f"Template “{template.name}” is {done}.")
            return redirect("notes:templates")
    return render(request, "notes/template_active.html", {"form": form, "template": template})


@login_required
@require_http_methods(["GET", "POST"])
def note_settings(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    program = _require_templates(user)
    rules = queries.settings_for(program)
    initial = {"cosign_roles": rules.cosign_roles, "read_version": rules.version}
    form = forms.SettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.do_update_settings(
                program,
                acting_user=user,
                cosign_roles=form.cleaned_data["cosign_roles"],
                read_version=form.cleaned_data["read_version"],
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Co-signature settings saved.")
            return redirect("notes:settings")
    return render(request, "notes/settings.html", {"form": form, "program": program})


# Amendment requests (staff) --------------------------------------------------------------------


@login_required
def amendments(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    ids = permissions.facility_ids_with(user, permissions.AMENDMENT_DECIDE)
    if not ids:
        raise PermissionDenied("Your role does not decide amendment requests.")
    log.viewed(user, "amendment.viewed", changes={"page": "worklist"})
    page = _page(request, queries.amendment_worklist(ids))
    return render(request, "notes/amendments.html", {"page": page})


def _patient_notes(request_row: AmendmentRequest, user: User) -> list[Note]:
    ids = permissions.facility_ids_with(user, permissions.CHART_VIEW)
    return list(
        Note.objects.filter(
            episode__patient=request_row.patient,
            episode__facility_id__in=ids,
            status=Note.Status.SIGNED,
        ).order_by("-event_at")[:GROUP_CANDIDATES_MAX]
    )


def _amendment_page(
    request: HttpRequest, user: User, row: AmendmentRequest, **given: Any
) -> HttpResponse:
    pending = row.status == AmendmentRequest.Status.PENDING
    notes = [] if row.note_id else _patient_notes(row, user)
    context: dict[str, Any] = {"row": row, "addendum": getattr(row, "addendum", None)}
    if pending:
        context["accept_form"] = given.get("accept_form") or forms.AcceptForm(
            notes, reauth_request=request
        )
        context["deny_form"] = given.get("deny_form") or forms.DenyForm()
    status = 400 if given else 200
    return render(request, "notes/amendment.html", context, status=status)


@login_required
def amendment_detail(request: HttpRequest, request_uuid: str) -> HttpResponse:
    user = staff_user(request)
    row = get_amendment_for_user(user, request_uuid)
    log.viewed(user, "amendment.viewed", target=row)
    return _amendment_page(request, user, row)


@login_required
@require_POST
def accept_amendment(request: HttpRequest, request_uuid: str) -> HttpResponse:
    user = staff_user(request)
    row = get_amendment_for_user(user, request_uuid)
    notes = [] if row.note_id else _patient_notes(row, user)
    form = forms.AcceptForm(notes, request.POST, reauth_request=request)
    if form.is_valid():
        chosen = {str(n.uuid): n for n in notes}.get(form.cleaned_data.get("note") or "")
        try:
            actions.do_accept_amendment(
                row, acting_user=user, text=form.cleaned_data["text"], note=chosen
            )
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Request accepted; the addendum is signed beneath the note.")
            return redirect("notes:amendment", request_uuid=row.uuid)
    return _amendment_page(request, user, row, accept_form=form)


@login_required
@require_POST
def deny_amendment(request: HttpRequest, request_uuid: str) -> HttpResponse:
    user = staff_user(request)
    row = get_amendment_for_user(user, request_uuid)
    form = forms.DenyForm(request.POST)
    if form.is_valid():
        try:
            actions.do_deny_amendment(row, acting_user=user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Request denied; the patient sees the reason in the portal.")
            return redirect("notes:amendment", request_uuid=row.uuid)
    return _amendment_page(request, user, row, deny_form=form)
