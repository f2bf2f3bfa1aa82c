"""Importing a Salesforce data export (``opportune import-salesforce DIR``).

The export's CSV files are read in dependency order (users, accounts, contacts,
opportunities, leads, tasks) so every reference can be resolved; each record keeps its
original 18-character Salesforce id in ``salesforce_id``, so it stays findable (SOQL
``WHERE Salesforce_Id__c = '...'`` or ``GET /services/data/vXX.X/sobjects/Lead/
Salesforce_Id__c/ID``) and a second run updates instead of duplicating. See
:mod:`.migration_records` for one row, :mod:`.migration_picklists` for unknown values,
:mod:`.migration_owners` for users and owners.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from opportune.domain.salesforce.export_rows import IMPORT_ORDER
from opportune.domain.salesforce.objects import SObject, sobject
from opportune.domain.users import User
from opportune.errors import NotFoundError, OpportuneError, ValidationError
from opportune.services.permissions import require_admin
from opportune.services.salesforce.migration_export import write_export
from opportune.services.salesforce.migration_files import ExportFile, find_file
from opportune.services.salesforce.migration_owners import import_user, load_owner_map
from opportune.services.salesforce.migration_picklists import PicklistMapper
from opportune.services.salesforce.migration_records import (
    ImportContext,
    RowImporter,
    lookup_chunk,
)
from opportune.services.salesforce.migration_report import ErrorFile, SalesforceImportReport

if TYPE_CHECKING:
    from opportune.services import Opportune

__all__ = ["SalesforceImportReport", "SalesforceImportService"]

# Called after each chunk with the object and how many of its rows were read so far.
Progress = Callable[[str, int], None]


class SalesforceImportService:
    """Importing a Salesforce data export, with its relations, again and again safely."""

    def __init__(self, core: Opportune) -> None:
        self.core = core

    def run(
        self,
        directory: Path,
        *,
        actor: User | None = None,
        default_owner: str | None = None,
        progress: Progress | None = None,
    ) -> SalesforceImportReport:
        """Import the export in ``directory``; a bad row is reported, never fatal.

        Administrators only (``actor=None`` is the installation: the CLI). Records owned
        by a Salesforce user nobody matches go to ``default_owner`` (an email), else to
        the first active administrator, who also appears as their creator when no actor
        is given. Failed rows go to ``import-salesforce-errors.csv`` (see the report).
        """
        require_admin(actor)
        if not directory.is_dir():
            raise NotFoundError(f"No export directory {directory}")
        writer = actor or self._first_admin()
        owner = self._default_owner(default_owner, writer)
        report = SalesforceImportReport(directory, default_owner=owner.email)
        assert owner.id is not None
        with ErrorFile(directory, report) as errors:
            ctx = ImportContext(
                self.core, actor, writer, load_owner_map(self.core, owner.id),
                PicklistMapper(self.core), report, errors,
            )  # fmt: skip
            for name in IMPORT_ORDER:
                self._import_file(ctx, name, progress)
        return report

    def export(self, directory: Path, *, actor: User) -> dict[str, int]:
        """Write the records ``actor`` may see as a Salesforce export in ``directory`` (the
        files :meth:`run` reads); return how many rows each file has."""
        return write_export(self.core, actor, directory)

    def _import_file(self, ctx: ImportContext, name: str, progress: Progress | None) -> None:
        path = find_file(ctx.report.directory, name)
        if path is None:
            ctx.report.missing_files.append(f"{name}.csv")
            return
        found = sobject(name)
        assert found is not None
        with ExportFile(path, found) as export:
            if export.plan.ignored:
                ctx.report.ignored_columns[path.name] = export.plan.ignored
            if name == "User":
                self._import_users(ctx, export, progress)
            else:
                self._import_records(ctx, export, found, progress)
        if name == "Account":
            self._link_parents(ctx, path, found)

    def _import_users(
        self, ctx: ImportContext, export: ExportFile, progress: Progress | None
    ) -> None:
        counts = ctx.report.counts_for("User")
        for chunk in export.chunks():
            for line, row in chunk:
                counts.read += 1
                try:
                    if row.problems:
                        raise ValidationError(row.problems)
                    outcome, email = import_user(self.core, ctx.actor, row, ctx.owners)
                except OpportuneError as exc:
                    counts.failed += 1
                    ctx.fail(export.path.name, line, row, _user_reason(exc))
                    continue
                setattr(counts, outcome, getattr(counts, outcome) + 1)
                if outcome == "created":
                    ctx.report.created_users.append(email)
            if progress:
                progress("User", counts.read)

    def _import_records(
        self, ctx: ImportContext, export: ExportFile, found: SObject, progress: Progress | None
    ) -> None:
        importer = RowImporter(ctx, found, export.path.name)
        for chunk in export.chunks():
            lookups = lookup_chunk(self.core, found.name, chunk)
            for line, row in chunk:
                importer.run(line, row, lookups)
            if progress:
                progress(found.name, ctx.report.counts_for(found.name).read)

    def _link_parents(self, ctx: ImportContext, path: Path, account: SObject) -> None:
        """Second pass over the accounts: every account exists now, link each to its parent."""
        importer = RowImporter(ctx, account, path.name)
        with ExportFile(path, account) as export:
            for chunk in export.chunks():
                lookups = lookup_chunk(self.core, account.name, chunk)
                for line, row in chunk:
                    record_id = lookups.get("account", row.salesforce_id)
                    parent = row.references.get("parent_account_id")
                    if record_id is None or parent is None or row.is_deleted:
                        continue
                    try:
                        self._link_parent(ctx, record_id, parent, lookups.get("account", parent))
                    except OpportuneError as exc:
                        ctx.fail(path.name, line, row, importer.reason(exc))

    def _link_parent(
        self, ctx: ImportContext, record_id: int, parent: str, parent_id: int | None
    ) -> None:
        if parent_id is None:
            message = f"No account with Salesforce id {parent} in the export or in Opportune"
            raise ValidationError.single(
                "parent_account_id", "INVALID_CROSS_REFERENCE_KEY", message
            )
        current = self.core.accounts.get(ctx.writer, record_id)
        if current.parent_account_id != parent_id:
            self.core.accounts.update(ctx.writer, record_id, {"parent_account_id": parent_id})

    def _first_admin(self) -> User:
        admins = [u for u in self.core.users.list() if u.is_admin and u.is_active]
        if not admins:
            raise OpportuneError("No active administrator to import as", code="NO_ACTIVE_ADMIN")
        return min(admins, key=lambda u: u.id or 0)

    def _default_owner(self, email: str | None, writer: User) -> User:
        if email is None:
            return writer
        user = self.core.users.get_by_email(email)
        if not user.is_active:
            raise ValidationError.single(
                "default_owner", "INACTIVE_OWNER", f"The default owner {email} is inactive"
            )
        return user


def _user_reason(exc: OpportuneError) -> str:
    """A user row's error, naming Opportune's user fields (name, email) as they are."""
    if isinstance(exc, ValidationError) and exc.fields:
        return "; ".join(f"{e.field}: {e.message}" for e in exc.fields)
    return exc.message
