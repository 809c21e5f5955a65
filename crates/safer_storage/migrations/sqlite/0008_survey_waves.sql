-- Survey waves (`safer survey import`): aggregates only, never a respondent's answers, so no
-- personal data is stored. One row per (survey, wave, question) holds the question's base:
-- the respondents who answered it, the sum of their weights Σw and of their squared weights
-- Σw² (both equal to the respondents when unweighted), and Σw of those giving any of the
-- definition's positive answers. One row per answer option holds Σw of the respondents giving
-- it (for multiple choice each chosen option counts, so these may sum to more than Σw). A
-- share of answers is Σw(answers)/Σw and the Kish effective base is (Σw)²/Σw². A wave is
-- replaced whole in one transaction; wave labels sort in time order (years, `2022-23`).

CREATE TABLE survey_wave_questions (
    id                      INTEGER PRIMARY KEY,
    survey                  TEXT    NOT NULL,
    wave                    TEXT    NOT NULL,
    question                TEXT    NOT NULL,
    kind                    TEXT    NOT NULL,
    respondents             BIGINT  NOT NULL,
    sum_weights             REAL    NOT NULL,
    sum_weights_sq          REAL    NOT NULL,
    positive_sum_weights    REAL    NOT NULL,
    imported_at             BIGINT  NOT NULL,
    CONSTRAINT survey_wave_questions_key UNIQUE (survey, wave, question),
    CONSTRAINT survey_wave_questions_kind CHECK (kind IN ('single', 'multi')),
    CONSTRAINT survey_wave_questions_wave_not_empty CHECK (wave <> '')
);

CREATE TABLE survey_wave_answers (
    id                      INTEGER PRIMARY KEY,
    survey                  TEXT    NOT NULL,
    wave                    TEXT    NOT NULL,
    question                TEXT    NOT NULL,
    answer                  TEXT    NOT NULL,
    position                INTEGER NOT NULL,
    positive                BOOLEAN NOT NULL,
    sum_weights             REAL    NOT NULL,
    CONSTRAINT survey_wave_answers_key UNIQUE (survey, wave, question, answer)
);
