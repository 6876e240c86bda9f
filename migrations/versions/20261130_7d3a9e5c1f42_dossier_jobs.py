"""dossier jobs: auditor's dossier ZIPs built in the background

Revision ID: 7d3a9e5c1f42
Revises: 6c2f8d4b0e31
Create Date: 2026-11-30 01:10:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = "7d3a9e5c1f42"
down_revision: Union[str, None] = "6c2f8d4b0e31"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN = "state IN ('queued', 'running')"


def upgrade() -> None:
    op.create_table(
        "dossier_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("state", sa.Enum("queued", "running", "done", "failed", name="dossierstate", native_enum=False,
                                   create_constraint=True, length=32), nullable=False),
        sa.Column("inline", sa.Boolean(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("file_count", sa.Integer(), nullable=True),
        sa.Column("mismatches", sa.Integer(), nullable=False),
        sa.Column("storage_key", sa.String(length=80), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("size", sa.BigInteger(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("downloaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("progress_done >= 0 AND progress_done <= progress_total",
                           name=op.f("ck_dossier_jobs_progress")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_dossier_jobs_company_id_companies")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_dossier_jobs_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dossier_jobs")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_dossier_jobs_storage_key")),
    )
    with op.batch_alter_table("dossier_jobs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dossier_jobs_company_id"), ["company_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_jobs_requested_by_id"), ["requested_by_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_jobs_state"), ["state"], unique=False)
        batch_op.create_index(batch_op.f("ix_dossier_jobs_created_at"), ["created_at"], unique=False)
        batch_op.create_index("uq_dossier_jobs_open_company", ["company_id"], unique=True,
                              sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))


def downgrade() -> None:
    with op.batch_alter_table("dossier_jobs", schema=None) as batch_op:
        batch_op.drop_index("uq_dossier_jobs_open_company", sqlite_where=sa.text(OPEN), postgresql_where=sa.text(OPEN))
        batch_op.drop_index(batch_op.f("ix_dossier_jobs_created_at"))
        batch_op.drop_index(batch_op.f("ix_dossier_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_dossier_jobs_requested_by_id"))
        batch_op.drop_index(batch_op.f("ix_dossier_jobs_company_id"))
    op.drop_table("dossier_jobs")
