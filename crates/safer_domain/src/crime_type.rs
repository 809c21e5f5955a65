//! The crime types police.uk publishes.

/// The 14 crime types police.uk publishes (13 crime categories and anti-social behaviour),
/// spelled as published, in alphabetical order. Every crate that checks or lists crime types
/// uses this one list.
pub const CRIME_TYPES: [&str; 14] = [
    "Anti-social behaviour",
    "Bicycle theft",
    "Burglary",
    "Criminal damage and arson",
    "Drugs",
    "Other crime",
    "Other theft",
    "Possession of weapons",
    "Public order",
    "Robbery",
    "Shoplifting",
    "Theft from the person",
    "Vehicle crime",
    "Violence and sexual offences",
];
