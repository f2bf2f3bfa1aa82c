"""Record-level access, audit log, sign-in throttling, recycle bin, token scopes.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28 15:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from opportune.db.types import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _fk(
    table: str, column: str, target: str, ondelete: str | None = None
) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete=ondelete
    )


def upgrade() -> None:
    """Apply this migration."""
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("manager_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("sessions_valid_after", UTCDateTime(), nullable=True))
        batch.create_foreign_key(op.f("fk_users_manager_id_users"), "users", ["manager_id"], ["id"])
        batch.create_index("ix_users_manager_id", ["manager_id"])
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(
            sa.Column("scopes", sa.String(40), nullable=False, server_default="read write admin")
        )
    _create_sharing()
    _create_audit()
    _create_recycle_bin()


def _create_sharing() -> None:
    op.create_table(
        "org_defaults",
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("access", sa.String(20), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("updated_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "access IN ('private', 'read', 'read_write')", name=op.f("ck_org_defaults_access")
        ),
        _fk("org_defaults", "updated_by_id", "users"),
        sa.PrimaryKeyConstraint("object_type", name=op.f("pk_org_defaults")),
    )
    op.create_table(
        "record_shares",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("queue_id", sa.Integer(), nullable=True),
        sa.Column("access", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("access IN ('read', 'edit')", name=op.f("ck_record_shares_access")),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (queue_id IS NULL)", name=op.f("ck_record_shares_one_grantee")
        ),
        _fk("record_shares", "user_id", "users", "CASCADE"),
        _fk("record_shares", "queue_id", "queues", "CASCADE"),
        _fk("record_shares", "created_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_record_shares")),
    )
    op.create_index("ix_record_shares_record", "record_shares", ["object_type", "record_id"])
    op.create_index(
        "ix_record_shares_user", "record_shares", ["object_type", "user_id", "record_id"]
    )
    op.create_index(
        "ix_record_shares_queue", "record_shares", ["object_type", "queue_id", "record_id"]
    )


def _create_audit() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("object_type", sa.String(40), nullable=True),
        sa.Column("object_id", sa.Integer(), nullable=True),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("details", sa.JSON(), nullable=True),
        _fk("audit_log", "actor_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at", "id"])
    op.create_index("ix_audit_log_action_at", "audit_log", ["action", "at", "id"])
    op.create_index("ix_audit_log_actor_at", "audit_log", ["actor_id", "at", "id"])
    op.create_index("ix_audit_log_object", "audit_log", ["object_type", "object_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("ip", sa.String(45), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_attempts")),
    )
    op.create_index("ix_login_attempts_email_at", "login_attempts", ["email", "at"])
    op.create_index("ix_login_attempts_ip_at", "login_attempts", ["ip", "at"])


def _create_recycle_bin() -> None:
    op.create_table(
        "recycle_bin",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("object_type", sa.String(20), nullable=False),
        sa.Column("record_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_by_id", sa.Integer(), nullable=True),
        sa.Column("related_count", sa.Integer(), nullable=False, server_default=sa.text("0")),
        sa.Column("payload", sa.JSON(), nullable=False),
        _fk("recycle_bin", "deleted_by_id", "users"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recycle_bin")),
    )
    op.create_index("ix_recycle_bin_record", "recycle_bin", ["object_type", "record_id"])
    op.create_index("ix_recycle_bin_deleted_at", "recycle_bin", ["deleted_at", "id"])
    op.create_index("ix_recycle_bin_deleted_by", "recycle_bin", ["deleted_by_id", "deleted_at"])


def downgrade() -> None:
    """Revert this migration."""
    for table in ("recycle_bin", "login_attempts", "audit_log", "record_shares", "org_defaults"):
        op.drop_table(table)
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("scopes")
    with op.batch_alter_table("users") as batch:
        batch.drop_index("ix_users_manager_id")
        batch.drop_constraint(op.f("fk_users_manager_id_users"), type_="foreignkey")
        batch.drop_column("sessions_valid_after")
        batch.drop_column("manager_id")
