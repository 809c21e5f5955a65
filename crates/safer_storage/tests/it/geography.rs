use std::collections::BTreeSet;

use safer_domain::geography::{
    AreaKind, AreaName, LinkCategory, LsoaLink, Membership, PopulationFigure,
};
use safer_storage::{GeographyBatch, NewBoundary};
use safer_test_utils::TestDb;

fn batch(population: u64) -> GeographyBatch {
    let link = |lsoa11: &str, lsoa21: &str, persons: u64, category: LinkCategory| LsoaLink {
        lsoa11: lsoa11.into(),
        lsoa21: lsoa21.into(),
        persons: Some(persons),
        category: Some(category),
    };
    let lad = |lsoa11: &str| Membership {
        lsoa11: lsoa11.into(),
        parent_kind: AreaKind::Lad,
        parent: "E07000110".into(),
    };
    GeographyBatch {
        names: vec![
            AreaName { code: "E07000110".into(), kind: AreaKind::Lad, name: "Maidstone".into() },
            AreaName {
                code: "E01033090".into(),
                kind: AreaKind::Lsoa11,
                name: "Maidstone 004D".into(),
            },
        ],
        links: vec![
            link("E01033090", "E01034991", 1156, LinkCategory::Split),
            link("E01033090", "E01034992", 1032, LinkCategory::Split),
            link("E01024334", "E01034990", 979, LinkCategory::Merged),
            link("E01024338", "E01034990", 1337, LinkCategory::Merged),
        ],
        memberships: vec![lad("E01033090"), lad("E01024334"), lad("E01024338"), lad("E01033090")],
        population: ["E01033090", "E01024334", "E01024338"]
            .iter()
            .map(|code| PopulationFigure {
                code: code.to_string(),
                year: 2017,
                population,
                source: "test".into(),
            })
            .collect(),
        boundaries: vec![NewBoundary {
            code: "E01033090".into(),
            kind: AreaKind::Lsoa11,
            geometry_json: "{\"polygons\":[]}".into(),
            bbox: [0.5, 51.2, 0.6, 51.3],
        }],
    }
}

#[tokio::test]
async fn geography_round_trips_and_reimports_in_place() {
    for db in TestDb::all().await {
        let store = &db.store;
        let label = db.label();
        let outcome = store.import_geography(&batch(1500), 100).await.unwrap();
        // The duplicated membership is written once.
        assert_eq!(
            (outcome.names, outcome.links, outcome.memberships, outcome.population),
            (2, 4, 3, 3),
            "{label}"
        );
        // Again, with a changed population: the same rows, updated in place. Then the links
        // again without persons (a households lookup): the stored persons are kept.
        store.import_geography(&batch(1600), 200).await.unwrap();
        let mut households = GeographyBatch { links: batch(0).links, ..GeographyBatch::default() };
        for link in &mut households.links {
            link.persons = None;
        }
        store.import_geography(&households, 300).await.unwrap();
        let geography = store.geography().await.unwrap();
        let lsoas = geography.lsoas_in(AreaKind::Lad, "E07000110");
        assert_eq!(lsoas.len(), 3, "{label}");
        let codes = geography.area_codes(lsoas.clone());
        let expected: BTreeSet<String> =
            ["E01024334", "E01024338", "E01033090", "E01034990", "E01034991", "E01034992"]
                .iter()
                .map(|c| c.to_string())
                .collect();
        assert_eq!(codes.codes, expected, "{label}");
        assert_eq!(geography.best_fit_2011("E01034990"), "E01024338", "{label}");
        let population = geography.population_of(&lsoas).unwrap();
        assert_eq!((population.persons, population.year), (4800, 2017), "{label}");
        assert_eq!(geography.name("E07000110").unwrap().name, "Maidstone", "{label}");

        let inside = store.geo_boundaries(AreaKind::Lsoa11, Some([0.55, 51.25, 0.7, 51.4])).await;
        assert_eq!(inside.unwrap().len(), 1, "{label}");
        let outside = store.geo_boundaries(AreaKind::Lsoa11, Some([1.0, 52.0, 1.1, 52.1])).await;
        assert!(outside.unwrap().is_empty(), "{label}");
        assert!(store.geo_boundaries(AreaKind::Ward, None).await.unwrap().is_empty(), "{label}");
    }
}
