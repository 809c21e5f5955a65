use safer_domain::indicator::Series;
use safer_storage::{SurveyWaveAnswer, SurveyWaveOutcome, SurveyWaveQuestion};
use safer_test_utils::TestDb;

/// A single-choice question answered by `respondents` with weights summing to `sum` and squares
/// to `sum_sq`; `very-safe` and `fairly-safe` are positive.
fn safe_night(
    respondents: i64,
    sum: f64,
    sum_sq: f64,
    very: f64,
    fairly: f64,
) -> SurveyWaveQuestion {
    let answer = |id: &str, positive: bool, sum_weights: f64| SurveyWaveAnswer {
        answer: id.to_string(),
        positive,
        sum_weights,
    };
    SurveyWaveQuestion {
        question: "safe-night".to_string(),
        kind: "single".to_string(),
        respondents,
        sum_weights: sum,
        sum_weights_sq: sum_sq,
        positive_sum_weights: very + fairly,
        answers: vec![
            answer("very-safe", true, very),
            answer("fairly-safe", true, fairly),
            answer("unsafe", false, sum - very - fairly),
        ],
    }
}

fn issues() -> SurveyWaveQuestion {
    SurveyWaveQuestion {
        question: "issues".to_string(),
        kind: "multi".to_string(),
        respondents: 100,
        sum_weights: 100.0,
        sum_weights_sq: 100.0,
        positive_sum_weights: 0.0,
        answers: ["drugs", "asb", "speeding"]
            .iter()
            .zip([60.0, 50.0, 30.0])
            .map(|(id, sum_weights)| SurveyWaveAnswer {
                answer: id.to_string(),
                positive: false,
                sum_weights,
            })
            .collect(),
    }
}

#[tokio::test]
async fn a_wave_is_replaced_whole_and_listed_by_label() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        assert!(store.survey_waves("public-2021").await.unwrap().is_empty(), "{label}");
        let outcome = store
            .import_survey_wave(
                "public-2021",
                "2022",
                &[safe_night(400, 400.0, 400.0, 100.0, 60.0), issues()],
                10,
            )
            .await
            .unwrap();
        assert_eq!(outcome, SurveyWaveOutcome::Created, "{label}");
        store
            .import_survey_wave(
                "public-2021",
                "2021",
                &[safe_night(400, 400.0, 400.0, 120.0, 80.0)],
                11,
            )
            .await
            .unwrap();
        // Another survey's waves are kept apart.
        store
            .import_survey_wave("youth-2021", "2021", &[safe_night(50, 50.0, 50.0, 5.0, 5.0)], 11)
            .await
            .unwrap();
        // Re-importing a wave replaces it whole: `issues` is gone, the figures are the new ones.
        let again = store
            .import_survey_wave(
                "public-2021",
                "2022",
                &[safe_night(400, 400.0, 400.0, 100.0, 60.0)],
                12,
            )
            .await
            .unwrap();
        assert_eq!(again, SurveyWaveOutcome::Replaced, "{label}");

        let waves = store.survey_waves("public-2021").await.unwrap();
        let labels: Vec<&str> = waves.iter().map(|w| w.wave.as_str()).collect();
        assert_eq!(labels, ["2021", "2022"], "{label}: oldest first");
        assert_eq!(waves[1].questions, [safe_night(400, 400.0, 400.0, 100.0, 60.0)], "{label}");
        assert_eq!(waves[1].imported_at, 12, "{label}");
        assert_eq!(waves[0].questions[0].answers[0].answer, "very-safe", "{label}: option order");
        assert_eq!(store.survey_waves("youth-2021").await.unwrap().len(), 1, "{label}");
    }
}

#[tokio::test]
async fn survey_series_give_a_percentage_and_effective_base_per_wave() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let series = |answers: &[&str]| Series::Survey {
            survey: "public-2021".to_string(),
            question: "safe-night".to_string(),
            answers: answers.iter().map(|a| a.to_string()).collect(),
        };
        assert!(store.indicator_observations(&series(&[])).await.unwrap().is_empty(), "{label}");
        // Weighted: Σw = 500, Σw² = 1000, so the effective base is 500²/1000 = 250.
        store
            .import_survey_wave(
                "public-2021",
                "2022",
                &[safe_night(400, 500.0, 1000.0, 150.0, 50.0), issues()],
                10,
            )
            .await
            .unwrap();
        store
            .import_survey_wave(
                "public-2021",
                "2021",
                &[safe_night(400, 400.0, 400.0, 120.0, 80.0)],
                10,
            )
            .await
            .unwrap();

        let observations =
            store.indicator_observations(&series(&["very-safe", "fairly-safe"])).await.unwrap();
        let got: Vec<(&str, Option<f64>, Option<f64>, &str)> = observations
            .iter()
            .map(|o| (o.label.as_str(), o.value, o.base, o.unit.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("2021", Some(50.0), Some(400.0), "percent"),
                ("2022", Some(40.0), Some(250.0), "percent")
            ],
            "{label}"
        );
        // No answers: the definition's positive ones. One answer: its share alone.
        let positive = store.indicator_observations(&series(&[])).await.unwrap();
        assert_eq!(positive[1].value, Some(40.0), "{label}");
        let very = store.indicator_observations(&series(&["very-safe"])).await.unwrap();
        assert_eq!(very[1].value, Some(30.0), "{label}");

        // An answer the wave does not know is no data with a reason, never 0 %.
        let typo = store.indicator_observations(&series(&["very safe"])).await.unwrap();
        assert_eq!(typo.len(), 2, "{label}");
        assert_eq!(typo[0].value, None, "{label}");
        assert_eq!(
            typo[0].no_data.as_deref(),
            Some("wave 2021 of survey `public-2021`: question `safe-night` has no answer `very safe` (its answers are very-safe, fairly-safe, unsafe)"),
            "{label}"
        );

        // A question one wave did not ask.
        let issues = |answers: &[&str]| Series::Survey {
            survey: "public-2021".to_string(),
            question: "issues".to_string(),
            answers: answers.iter().map(|a| a.to_string()).collect(),
        };
        let drugs = store.indicator_observations(&issues(&["drugs"])).await.unwrap();
        assert_eq!(
            drugs[0].no_data.as_deref(),
            Some("wave 2021 of survey `public-2021` has no question `issues`"),
            "{label}"
        );
        assert_eq!((drugs[1].value, drugs[1].base), (Some(60.0), Some(100.0)), "{label}");
        // Two options of a multiple-choice question cannot be added up from aggregates.
        let both = store.indicator_observations(&issues(&["drugs", "asb"])).await.unwrap();
        assert_eq!(both[1].value, None, "{label}");
        assert!(both[1].no_data.as_deref().unwrap().contains("multiple choice"), "{label}");
    }
}
