-- Members' rights over written questions. Erasure (on request, or by retention) keeps the question's row
-- with its status, topic, lawyer and dates, so it still counts; its names and texts go.
ALTER TABLE questions ADD COLUMN personal_data_erased_at timestamptz;

-- An erased question holds no text: the length rules apply to questions not erased.
ALTER TABLE questions
    DROP CONSTRAINT questions_question_check,
    ADD CONSTRAINT questions_question_check
        CHECK (length(question) BETWEEN 20 AND 4000 OR (question = '' AND personal_data_erased_at IS NOT NULL)),
    DROP CONSTRAINT questions_answer_check,
    ADD CONSTRAINT questions_answer_check
        CHECK (length(answer) BETWEEN 1 AND 20000 OR (answer = '' AND personal_data_erased_at IS NOT NULL));

-- Retention looks for answered and closed questions not yet erased, by when they last changed.
CREATE INDEX questions_retention_idx ON questions (updated_at)
    WHERE personal_data_erased_at IS NULL AND status IN ('answered', 'closed');
