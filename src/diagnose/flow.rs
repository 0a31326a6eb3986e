//! The lecture's flow on the final losses: the verdict, each step in
//! words, and the explanation.

use super::{Baseline, Criteria, Diagnosis, VariantRole, VariantRun};
use crate::lecture::num;

/// "1 hidden layer", "12 hidden layers", "no hidden layer (linear)".
fn hidden(n: usize) -> String {
    match n {
        0 => "no hidden layer".into(),
        1 => "1 hidden layer".into(),
        n => format!("{n} hidden layers"),
    }
}

/// Whether the deeper of a pair of roles can represent the shallower.
pub(super) type Nesting = ((VariantRole, VariantRole), std::result::Result<(), String>);

/// The flow of [`diagnose`] on the final losses: the verdict, each step in
/// words, and the explanation.
///
/// `nesting` says, for (deeper, shallower) pairs, whether the deeper
/// network can represent the shallower one; a pair that cannot is no
/// evidence of an optimisation issue.
pub(super) fn decide(
    runs: &[VariantRun],
    base: &Baseline,
    criteria: &Criteria,
    nesting: &[Nesting],
) -> (Diagnosis, Vec<String>, String) {
    let b = base.loss;
    let find = |role| runs.iter().find(|r| r.role == role);
    let given = find(VariantRole::Given).expect("the given network is always trained");
    let bigger = find(VariantRole::Bigger).expect("the bigger variant is always trained");
    let smaller = find(VariantRole::Smaller);
    let of_b = |l: f64| format!("{}·B", num(l / b));
    let l = given.train_loss;
    let mut why = vec![format!("B = {} ({})", num(b), base.description)];
    let high = l > criteria.high_loss * b;
    why.push(format!(
        "1. training loss of the given network: {} = {} — {} ({} the threshold {}·B)",
        num(l),
        of_b(l),
        if high { "high" } else { "not high" },
        if high { "above" } else { "at or below" },
        num(criteria.high_loss)
    ));
    let factor = num(1.0 - criteria.margin);
    if high {
        // 1a: does depth hurt? Only where the deeper network can represent
        // the shallower one's functions is its higher loss the optimiser's.
        let mut pairs = Vec::new();
        if let Some(s) = smaller {
            pairs.push((given, s));
        }
        pairs.push((bigger, given));
        let n_pairs = pairs.len();
        for (k, (deep, shallow)) in pairs.into_iter().enumerate() {
            let step = if n_pairs > 1 {
                format!("2{}", (b'a' + k as u8) as char)
            } else {
                "2".into()
            };
            let head = format!(
                "{step}. deeper worse than shallower? {} ({}) {} vs {} ({}) {}",
                deep.role.describe(),
                hidden(deep.hidden_layers),
                num(deep.train_loss),
                shallow.role.describe(),
                hidden(shallow.hidden_layers),
                num(shallow.train_loss),
            );
            if let Some((_, Err(reason))) = nesting
                .iter()
                .find(|(pair, _)| *pair == (deep.role, shallow.role))
            {
                why.push(format!(
                    "{head}: not evidence either way — the {} network cannot represent the {} \
                     one: {reason}",
                    deep.role.describe(),
                    shallow.role.describe()
                ));
                continue;
            }
            let worse = criteria.clearly_lower(shallow.train_loss, deep.train_loss);
            why.push(format!(
                "{head}: {}",
                if worse {
                    format!("yes, the shallower is below {factor} × the deeper")
                } else {
                    format!("no (not below {factor} ×)")
                }
            ));
            if worse {
                let d = Diagnosis::OptimizationIssue {
                    deeper: deep.role,
                    deeper_loss: deep.train_loss,
                    shallower: shallow.role,
                    shallower_loss: shallow.train_loss,
                };
                let text = format!(
                    "optimisation issue: the {} network ({}, widths {}) ends at training loss \
                     {} ({}), clearly above the {} network's {} ({}, widths {}), although it \
                     can represent every function the shallower one can. The optimiser \
                     failed, not the model — as for He et al. (2016)'s plain 56- vs 20-layer \
                     networks.",
                    deep.role.describe(),
                    hidden(deep.hidden_layers),
                    deep.widths,
                    num(deep.train_loss),
                    of_b(deep.train_loss),
                    shallow.role.describe(),
                    num(shallow.train_loss),
                    hidden(shallow.hidden_layers),
                    shallow.widths,
                );
                return (d, why, text);
            }
        }
        let better = criteria.clearly_lower(bigger.train_loss, l);
        why.push(format!(
            "3. does the bigger network do better? {} {} vs given {}: {}",
            bigger.role.describe(),
            num(bigger.train_loss),
            num(l),
            if better {
                format!("yes, below {factor} × the given")
            } else {
                format!("no (not below {factor} ×)")
            }
        ));
        if better {
            let d = Diagnosis::ModelBias {
                given_loss: l,
                bigger_loss: bigger.train_loss,
            };
            let text = format!(
                "model bias: the given network's training loss {} ({}) is high, and the \
                 deeper, wider variant (widths {}, {} parameters) reaches {} — more capacity \
                 fits the training data clearly better, so the given network is too small \
                 for it.",
                num(l),
                of_b(l),
                bigger.widths,
                bigger.params,
                num(bigger.train_loss)
            );
            return (d, why, text);
        }
        let d = Diagnosis::Inconclusive {
            given_loss: l,
            bigger_loss: bigger.train_loss,
        };
        let text = format!(
            "inconclusive: the training loss {} ({}) is high, but the deeper, wider variant \
             does not do clearly better ({}) and depth does not clearly hurt: every size may \
             be held back alike (too few epochs, a poor learning rate), or the data may allow \
             no lower loss (noisy labels).",
            num(l),
            of_b(l),
            num(bigger.train_loss)
        );
        return (d, why, text);
    }
    let v = given.val_loss;
    let gap = v - l;
    let overfit = gap > criteria.gap * b;
    why.push(format!(
        "2. validation − training loss of the given network: {} − {} = {} = {} — {} the \
         threshold {}·B",
        num(v),
        num(l),
        num(gap),
        of_b(gap),
        if overfit { "above" } else { "at or below" },
        num(criteria.gap)
    ));
    if overfit {
        let d = Diagnosis::Overfitting {
            train_loss: l,
            val_loss: v,
        };
        let smaller_gap = smaller.map_or(String::new(), |s| {
            format!(
                " (the shallower, narrower variant's gap: {})",
                num(s.val_loss - s.train_loss)
            )
        });
        let text = format!(
            "overfitting: the training loss {} ({}) is low but the validation loss is {}, \
             a gap of {}{}. The validation loss was lowest, {}, after epoch {} of {}.",
            num(l),
            of_b(l),
            num(v),
            of_b(gap),
            smaller_gap,
            num(given.best_val_loss),
            given.best_val_epoch,
            given.epochs
        );
        return (d, why, text);
    }
    let d = Diagnosis::Fine {
        train_loss: l,
        val_loss: v,
    };
    let text = format!(
        "fine: the training loss {} ({}) is low and the validation loss {} close to it: \
         no model bias, optimisation issue or overfitting by these criteria.",
        num(l),
        of_b(l),
        num(v)
    );
    (d, why, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Finish, TrainReport};

    fn run(role: VariantRole, hidden: usize, train: f64, val: f64) -> VariantRun {
        VariantRun {
            role,
            architecture: format!("{role}"),
            widths: String::new(),
            hidden_layers: hidden,
            params: 10,
            train_loss: train,
            best_train_loss: train,
            val_loss: val,
            best_val_loss: val,
            best_val_epoch: 1,
            train_accuracy: None,
            val_accuracy: None,
            grad_norm: 0.0,
            epochs: 1,
            seconds: 0.0,
            report: TrainReport {
                epochs: Vec::new(),
                finish: Finish::Completed,
                best_loss: val,
                best_epoch: 1,
            },
            dir: None,
        }
    }

    fn verdict(s: Option<(f64, f64)>, g: (f64, f64), b: (f64, f64)) -> Diagnosis {
        let mut runs = Vec::new();
        if let Some((t, v)) = s {
            runs.push(run(VariantRole::Smaller, 1, t, v));
        }
        runs.push(run(VariantRole::Given, 2, g.0, g.1));
        runs.push(run(VariantRole::Bigger, 3, b.0, b.1));
        let base = Baseline {
            loss: 1.0,
            description: "test".into(),
        };
        decide(&runs, &base, &Criteria::default(), &[]).0
    }

    #[test]
    fn the_flow_follows_the_lecture() {
        // A bigger model does clearly better on high training loss.
        assert!(matches!(
            verdict(Some((0.7, 0.7)), (0.5, 0.5), (0.2, 0.25)),
            Diagnosis::ModelBias { .. }
        ));
        // The given network is worse than the shallower one it contains.
        assert_eq!(
            verdict(Some((0.3, 0.3)), (0.69, 0.69), (0.69, 0.69)),
            Diagnosis::OptimizationIssue {
                deeper: VariantRole::Given,
                deeper_loss: 0.69,
                shallower: VariantRole::Smaller,
                shallower_loss: 0.3
            }
        );
        // The bigger one ends worse than the given one.
        assert!(matches!(
            verdict(Some((0.6, 0.6)), (0.5, 0.5), (0.69, 0.69)),
            Diagnosis::OptimizationIssue {
                deeper: VariantRole::Bigger,
                ..
            }
        ));
        // Low training, high validation loss.
        assert!(matches!(
            verdict(Some((0.01, 0.5)), (0.001, 0.6), (0.0, 0.7)),
            Diagnosis::Overfitting { .. }
        ));
        assert!(matches!(
            verdict(None, (0.05, 0.08), (0.03, 0.09)),
            Diagnosis::Fine { .. }
        ));
        // High everywhere, within the margin.
        assert!(matches!(
            verdict(Some((0.55, 0.55)), (0.5, 0.5), (0.45, 0.45)),
            Diagnosis::Inconclusive { .. }
        ));
    }

    #[test]
    fn a_smaller_network_the_given_one_cannot_represent_is_no_evidence() {
        let runs = vec![
            run(VariantRole::Smaller, 0, 0.02, 0.1),
            run(VariantRole::Given, 1, 1.1, 1.2),
            run(VariantRole::Bigger, 2, 0.4, 0.5),
        ];
        let base = Baseline {
            loss: 2.3,
            description: "test".into(),
        };
        let nesting = [(
            (VariantRole::Given, VariantRole::Smaller),
            Err("too narrow".to_string()),
        )];
        let (d, why, _) = decide(&runs, &base, &Criteria::default(), &nesting);
        assert!(matches!(d, Diagnosis::ModelBias { .. }), "{d:?}");
        assert!(why.iter().any(|w| w.contains("not evidence either way")));
    }

    #[test]
    fn high_training_loss_takes_precedence_over_a_gap() {
        assert!(matches!(
            verdict(None, (0.5, 2.0), (0.45, 2.0)),
            Diagnosis::Inconclusive { .. }
        ));
    }
}
