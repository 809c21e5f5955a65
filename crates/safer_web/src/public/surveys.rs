//! "Have your say": the partnership's surveys answered online, without signing in.
//!
//! A survey is a wave of a survey definition (docs/survey-format.md) published with `safer
//! survey publish`. Its form is one page: a fieldset per question, legends as the question
//! text, radios for single choice and checkboxes for multiple choice, then the optional "about
//! you" variables (ward, age group …) the analysis uses for sub-groups. Every answer is checked
//! against the definition; errors come back as a 422 with the GOV.UK error summary linking to
//! each question's first input. No JavaScript.
//!
//! When the survey needs invitation codes, the form first asks for one. The code is always
//! POSTed (never in an address) and carried in a hidden field; the response and the code's use
//! are stored in one transaction, so a code admits one response. Responses are anonymous: the
//! store keeps the answers and the day, not the address or the code. The final submit counts
//! against the per-address limit, carries the CSRF token and the honeypot.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use safer_domain::survey::{parse_definition, AnswerOption, QuestionKind, SurveyDefinition};
use safer_storage::{
    survey_code_hash, OnlineSurvey, StoreError, SurveyAnswers, CODE_REFUSED, SURVEY_CLOSED,
};

use super::{admit, FrontDoor, PublicLayout, PublicSection, HONEYPOT_FIELD};
use crate::auth::ClientAddress;
use crate::error::render;
use crate::session::Ctx;
use crate::{AppError, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/public/surveys", get(list_surveys))
        .route("/public/surveys/{id}", get(show_survey).post(answer_survey))
}

/// The longest invitation code read (codes are 10 characters; spaces and hyphens allowed).
const MAX_CODE: usize = 40;
/// The most fields a survey form may post (a bound on work per request, under the body limit).
const MAX_FIELDS: usize = 400;

/// One error, for the summary and its fieldset; `field` is the id of the first input.
#[derive(Debug, Clone)]
struct SurveyError {
    field: String,
    message: String,
}

/// An option of a question, as an input.
#[derive(Debug, Clone)]
struct OptionView {
    /// The input's id (the first option's is the fieldset's id, for error links).
    input_id: String,
    value: String,
    label: String,
    checked: bool,
}

/// A question or variable, as a fieldset.
#[derive(Debug, Clone)]
struct FieldView {
    /// The field's name and the first input's id: `q-ID` or `v-ID`.
    name: String,
    legend: String,
    hint: String,
    multi: bool,
    options: Vec<OptionView>,
    error: Option<String>,
}

/// A survey in the list.
#[derive(Debug, Clone)]
struct SurveyLink {
    href: String,
    title: String,
    description: String,
    codes_required: bool,
}

#[derive(askama::Template)]
#[template(path = "public/surveys.html")]
struct ListPage {
    layout: PublicLayout,
    surveys: Vec<SurveyLink>,
}

#[derive(askama::Template)]
#[template(path = "public/survey_form.html")]
struct FormPage {
    layout: PublicLayout,
    action: String,
    survey_title: String,
    description: String,
    errors: Vec<SurveyError>,
    questions: Vec<FieldView>,
    about: Vec<FieldView>,
    code: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "public/survey_code.html")]
struct CodePage {
    layout: PublicLayout,
    action: String,
    survey_title: String,
    errors: Vec<SurveyError>,
}

#[derive(askama::Template)]
#[template(path = "public/survey_closed.html")]
struct ClosedPage {
    layout: PublicLayout,
    survey_title: String,
}

#[derive(askama::Template)]
#[template(path = "public/survey_done.html")]
struct DonePage {
    layout: PublicLayout,
    survey_title: String,
}

fn layout(title: &str, errors: bool, door: &FrontDoor, ctx: &Ctx) -> PublicLayout {
    let title = if errors { format!("Error: {title}") } else { title.to_string() };
    PublicLayout::new(title, door, ctx, PublicSection::Surveys)
}

/// `GET /public/surveys`: the surveys open now.
async fn list_surveys(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let surveys = state.store.open_online_surveys(door.partnership.id(), state.now()).await?;
    let surveys = surveys
        .iter()
        .map(|survey| SurveyLink {
            href: format!("/public/surveys/{}", survey.id),
            title: survey.title.clone(),
            description: parse_definition(&survey.definition)
                .ok()
                .and_then(|d| d.survey.description)
                .unwrap_or_default(),
            codes_required: survey.codes_required,
        })
        .collect();
    let page = ListPage { layout: layout("Have your say", false, &door, &ctx), surveys };
    Ok(render(&page)?.into_response())
}

/// The survey with this id (404 for an unknown id or another partnership's) and its definition.
async fn survey_of(
    state: &AppState,
    door: &FrontDoor,
    id: &str,
) -> Result<(OnlineSurvey, SurveyDefinition), AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let survey =
        state.store.online_survey(door.partnership.id(), id).await?.ok_or(AppError::NotFound)?;
    // Published definitions were checked by `safer survey publish`; one that no longer parses
    // is not offered.
    let definition = parse_definition(&survey.definition).map_err(|_| AppError::NotFound)?;
    Ok((survey, definition))
}

/// `GET /public/surveys/{id}`: the form, the code page first when codes are required, or the
/// page saying the survey is closed.
async fn show_survey(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let (survey, definition) = survey_of(&state, &door, &id).await?;
    if !survey.is_open(state.now()) {
        return closed(&door, &ctx, &survey, StatusCode::OK);
    }
    if survey.codes_required {
        return code_page(&door, &ctx, &survey, Vec::new(), StatusCode::OK);
    }
    form_page(&door, &ctx, &survey, &definition, &Answers::empty(&definition), Vec::new(), None)
}

/// `POST /public/surveys/{id}`: an invitation code (`step=code`) or the answers
/// (`step=answers`).
async fn answer_survey(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientAddress(address): ClientAddress,
    Path(id): Path<String>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let door = FrontDoor::of(&state).await?;
    let (survey, definition) = survey_of(&state, &door, &id).await?;
    if !survey.is_open(state.now()) {
        return closed(&door, &ctx, &survey, StatusCode::GONE);
    }
    if form.len() > MAX_FIELDS {
        return Ok((StatusCode::PAYLOAD_TOO_LARGE, "too many fields").into_response());
    }
    let field = |name: &str| {
        form.iter().find(|(k, _)| k == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    };
    if field(HONEYPOT_FIELD).is_some() {
        // A bot filled the field people cannot see: thank it and keep nothing.
        let page = super::ThanksPage { layout: layout("Thank you", false, &door, &ctx) };
        return Ok(render(&page)?.into_response());
    }
    let code = match field("code") {
        Some(code) if code.chars().count() <= MAX_CODE => Some(code.to_string()),
        _ => None,
    };
    let code_error = |message: &str| SurveyError { field: "code".into(), message: message.into() };

    if field("step") == Some("code") || (survey.codes_required && code.is_none()) {
        if !survey.codes_required {
            let answers = Answers::empty(&definition);
            return form_page(&door, &ctx, &survey, &definition, &answers, Vec::new(), None);
        }
        let Some(code) = code else {
            let errors = vec![code_error("Enter your invitation code")];
            return code_page(&door, &ctx, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY);
        };
        if !state.store.survey_code_unused(survey.id, &survey_code_hash(&code)).await? {
            // Wrong guesses count against the address, as submissions do.
            if let Some(refused) = admit(&state, &door, &address, &ctx).await? {
                return Ok(refused);
            }
            let errors = vec![code_error(
                "Enter the invitation code you were given; each code can be used once",
            )];
            return code_page(&door, &ctx, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
        let answers = Answers::empty(&definition);
        return form_page(&door, &ctx, &survey, &definition, &answers, Vec::new(), Some(code));
    }

    let answers = Answers::read(&definition, &form);
    let errors = answers.check(&definition);
    if !errors.is_empty() {
        let code = code.filter(|_| survey.codes_required);
        let page = form_page(&door, &ctx, &survey, &definition, &answers, errors, code)?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    if let Some(refused) = admit(&state, &door, &address, &ctx).await? {
        return Ok(refused);
    }
    let hash = code.filter(|_| survey.codes_required).map(|c| survey_code_hash(&c));
    let stored = answers.stored(&definition);
    match state.store.submit_survey_response(survey.id, hash.as_deref(), &stored, state.now()).await
    {
        Ok(()) => {}
        Err(StoreError::Rule(rule)) if rule == CODE_REFUSED => {
            let errors = vec![code_error("This invitation code has already been used")];
            return code_page(&door, &ctx, &survey, errors, StatusCode::UNPROCESSABLE_ENTITY);
        }
        Err(StoreError::Rule(rule)) if rule == SURVEY_CLOSED => {
            return closed(&door, &ctx, &survey, StatusCode::GONE);
        }
        Err(err) => return Err(err.into()),
    }
    let page = DonePage {
        layout: layout("Thank you", false, &door, &ctx),
        survey_title: survey.title.clone(),
    };
    Ok(render(&page)?.into_response())
}

fn closed(
    door: &FrontDoor,
    ctx: &Ctx,
    survey: &OnlineSurvey,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = ClosedPage {
        layout: layout("This survey is closed", false, door, ctx),
        survey_title: survey.title.clone(),
    };
    Ok((status, render(&page)?).into_response())
}

fn code_page(
    door: &FrontDoor,
    ctx: &Ctx,
    survey: &OnlineSurvey,
    errors: Vec<SurveyError>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let page = CodePage {
        layout: layout("Enter your invitation code", !errors.is_empty(), door, ctx),
        action: format!("/public/surveys/{}", survey.id),
        survey_title: survey.title.clone(),
        errors,
    };
    Ok((status, render(&page)?).into_response())
}

fn form_page(
    door: &FrontDoor,
    ctx: &Ctx,
    survey: &OnlineSurvey,
    definition: &SurveyDefinition,
    answers: &Answers,
    errors: Vec<SurveyError>,
    code: Option<String>,
) -> Result<Response, AppError> {
    let error_for = |name: &str| errors.iter().find(|e| e.field == name).map(|e| e.message.clone());
    let questions = definition
        .questions
        .iter()
        .enumerate()
        .map(|(idx, question)| {
            let name = format!("q-{}", question.id);
            let multi = question.kind == QuestionKind::Multi;
            let limit = question.choice_limit();
            let hint = if multi && limit < question.options.len() {
                format!("Select up to {limit}.")
            } else if multi {
                "Select all that apply.".to_string()
            } else {
                String::new()
            };
            let legend = if question.required {
                question.text.clone()
            } else {
                format!("{} (optional)", question.text)
            };
            FieldView {
                error: error_for(&name),
                options: options(&name, &question.options, &answers.questions[idx], false),
                name,
                legend,
                hint,
                multi,
            }
        })
        .collect();
    let about = definition
        .variables
        .iter()
        .enumerate()
        .map(|(idx, variable)| {
            let name = format!("v-{}", variable.id);
            let chosen: Vec<String> = answers.variables[idx].iter().cloned().collect();
            FieldView {
                error: error_for(&name),
                options: options(&name, &variable.options, &chosen, true),
                name,
                legend: format!("{} (optional)", variable.label),
                hint: String::new(),
                multi: false,
            }
        })
        .collect();
    let page = FormPage {
        layout: layout(&survey.title, !errors.is_empty(), door, ctx),
        action: format!("/public/surveys/{}", survey.id),
        survey_title: survey.title.clone(),
        description: definition.survey.description.clone().unwrap_or_default(),
        errors,
        questions,
        about,
        code,
    };
    Ok(render(&page)?.into_response())
}

/// The inputs of a question or variable; a variable ends with "Prefer not to say" (an empty
/// value), since a chosen radio cannot be cleared without JavaScript.
fn options(
    name: &str,
    options: &[AnswerOption],
    chosen: &[String],
    prefer_not: bool,
) -> Vec<OptionView> {
    let mut views: Vec<OptionView> = options
        .iter()
        .enumerate()
        .map(|(idx, option)| OptionView {
            input_id: if idx == 0 { name.to_string() } else { format!("{name}-{}", option.id) },
            value: option.id.clone(),
            label: option.label.clone(),
            checked: chosen.contains(&option.id),
        })
        .collect();
    if prefer_not && !options.iter().any(|o| o.id == "prefer-not-to-say") {
        views.push(OptionView {
            input_id: format!("{name}--none"),
            value: String::new(),
            label: "Prefer not to say".to_string(),
            checked: false,
        });
    }
    views
}

/// The answers as posted, per question and variable in definition order, with what was wrong.
#[derive(Debug, Clone)]
struct Answers {
    /// Per question: the values posted (option ids if valid).
    questions: Vec<Vec<String>>,
    /// Per variable: the value posted, if any.
    variables: Vec<Option<String>>,
    /// Per variable: whether several values were posted.
    repeated_variables: Vec<bool>,
}

impl Answers {
    /// No answers yet.
    fn empty(definition: &SurveyDefinition) -> Answers {
        Answers {
            questions: vec![Vec::new(); definition.questions.len()],
            variables: vec![None; definition.variables.len()],
            repeated_variables: vec![false; definition.variables.len()],
        }
    }

    fn read(definition: &SurveyDefinition, form: &[(String, String)]) -> Answers {
        let values = |name: String| -> Vec<String> {
            let mut values: Vec<String> = Vec::new();
            for (_, value) in form.iter().filter(|(k, v)| *k == name && !v.trim().is_empty()) {
                let value: String = value.trim().chars().take(80).collect();
                if !values.contains(&value) {
                    values.push(value);
                }
            }
            values
        };
        let questions =
            definition.questions.iter().map(|q| values(format!("q-{}", q.id))).collect();
        let variable_values: Vec<Vec<String>> =
            definition.variables.iter().map(|v| values(format!("v-{}", v.id))).collect();
        Answers {
            repeated_variables: variable_values.iter().map(|v| v.len() > 1).collect(),
            variables: variable_values.into_iter().map(|v| v.into_iter().next()).collect(),
            questions,
        }
    }

    /// The problems, in page order, each against the first input of its fieldset.
    fn check(&self, definition: &SurveyDefinition) -> Vec<SurveyError> {
        let mut errors = Vec::new();
        for (question, chosen) in definition.questions.iter().zip(&self.questions) {
            let field = format!("q-{}", question.id);
            let limit = question.choice_limit();
            let message = if chosen.iter().any(|c| question.option_index(c).is_none()) {
                Some("Select an answer from the list".to_string())
            } else if chosen.len() > limit && limit == 1 {
                Some("Select one answer".to_string())
            } else if chosen.len() > limit {
                Some(format!("Select up to {limit} answers"))
            } else if chosen.is_empty() && question.required {
                Some(if limit == 1 {
                    "Select an answer".to_string()
                } else {
                    "Select at least one answer".to_string()
                })
            } else {
                None
            };
            if let Some(message) = message {
                errors
                    .push(SurveyError { field, message: format!("{}: {message}", question.text) });
            }
        }
        for ((variable, value), repeated) in
            definition.variables.iter().zip(&self.variables).zip(&self.repeated_variables)
        {
            let unknown = value.as_ref().is_some_and(|v| variable.option_index(v).is_none());
            if unknown || *repeated {
                errors.push(SurveyError {
                    field: format!("v-{}", variable.id),
                    message: format!("{}: select one answer from the list", variable.label),
                });
            }
        }
        errors
    }

    /// The answers to store (checked): only questions and variables answered.
    fn stored(&self, definition: &SurveyDefinition) -> SurveyAnswers {
        let mut stored = SurveyAnswers::new();
        for (question, chosen) in definition.questions.iter().zip(&self.questions) {
            if !chosen.is_empty() {
                stored.insert(question.id.clone(), chosen.clone());
            }
        }
        for (variable, value) in definition.variables.iter().zip(&self.variables) {
            if let Some(value) = value {
                stored.insert(variable.id.clone(), vec![value.clone()]);
            }
        }
        stored
    }
}
