-- 0007 model cards: one structured card per version, and its review date for "overdue" dashboards.
ALTER TABLE cairn.model_versions
    ADD COLUMN model_card jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(model_card) = 'object'),
    ADD COLUMN review_due date;
CREATE INDEX model_versions_review_due ON cairn.model_versions (tenant_id, review_due) WHERE review_due IS NOT NULL;
