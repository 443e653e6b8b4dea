//! Suggestions for names the macro does not know: the layer or argument a typo most likely
//! means.

use crate::catalog::{ALIASES, LAYERS};

/// The known layer a misspelled or foreign name most likely means.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_lowercase();
    let alias = ALIASES
        .iter()
        .find(|(alias, _)| *alias == lower.replace('_', ""))
        .map(|(_, known)| *known);
    alias.or_else(|| closest(name, LAYERS.iter().map(|def| def.name)))
}

/// The candidate closest to `name`, ignoring case and underscores, if it is close: at most two
/// edits apart, or one name contains the other (`slope` in `negative_slope`).
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let normal = |s: &str| s.to_lowercase().replace('_', "");
    let name = normal(name);
    candidates
        .into_iter()
        .map(|candidate| {
            let known = normal(candidate);
            let contained = known.contains(&name) || name.contains(&known);
            let distance = if contained && name.len().min(known.len()) >= 4 {
                known.len().abs_diff(name.len()).min(2)
            } else {
                edit_distance(&name, &known)
            };
            (distance, candidate)
        })
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// Levenshtein distance between two short names.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_case_and_aliases() {
        assert_eq!(suggest("tanh"), Some("Tanh"));
        assert_eq!(suggest("Relu"), Some("ReLU"));
        assert_eq!(suggest("RELU"), Some("ReLU"));
        assert_eq!(suggest("Dense"), Some("Linear"));
        assert_eq!(suggest("Lienar"), Some("Linear"));
        assert_eq!(suggest("leaky_relu"), Some("LeakyReLU"));
        assert_eq!(suggest("Sigmod"), Some("Sigmoid"));
        assert_eq!(suggest("conv2D"), Some("Conv2d"));
        assert_eq!(suggest("Batchnorm1d"), Some("BatchNorm1d"));
    }

    #[test]
    fn suggests_nothing_for_unrelated_names() {
        assert_eq!(suggest("LSTM"), None);
        assert_eq!(suggest("X"), None);
    }

    #[test]
    fn closest_keyword() {
        assert_eq!(closest("biass", ["bias"]), Some("bias"));
        assert_eq!(closest("slope", ["negative_slope"]), Some("negative_slope"));
        assert_eq!(closest("weights", ["bias"]), None);
    }

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("", ""), 0);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("bias", "biass"), 1);
        assert_eq!(edit_distance("abc", ""), 3);
    }

    #[test]
    fn every_layer_is_named_once() {
        for (i, def) in LAYERS.iter().enumerate() {
            assert!(LAYERS[i + 1..].iter().all(|other| other.name != def.name));
            assert!(def.usage.contains(def.name), "{} usage", def.name);
        }
    }
}
