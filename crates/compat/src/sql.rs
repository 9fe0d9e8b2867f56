//! Reading the SQL planner's operator texts: dropping its per-JVM counters, naming an operator's
//! kind, and saying which kinds keep state. Pure.

/// The planner operator kinds (as Flink 2.3 prints them, the `StreamExec*` node names) whose
/// operators keep state across checkpoints: aggregations, joins, ranks, deduplication, windows,
/// over aggregations, pattern matching, sorting, changelog normalisation and sink
/// materialisation. A new operator of one of these kinds starts with empty state.
///
/// Not listed, because their operators keep no state of the computation: `TableSourceScan` (a
/// source's read position is its own kind of state; a new source starts where its options say),
/// `Calc`, `Correlate`, `Expand`, `WatermarkAssigner`, `MiniBatchAssigner`, `DropUpdateBefore`,
/// `Union`, `Exchange`, `Values`, `ConstraintEnforcer`, `WindowTableFunction`, sink writers,
/// `LocalGroupAggregate` and `LocalWindowAggregate` (mini-batch buffers, emptied before every
/// checkpoint), and `LookupJoin`, `AsyncCalc`, `AsyncCorrelate`, `DeltaJoin` (at most in-flight
/// requests).
pub const STATEFUL_SQL_OPERATORS: &[&str] = &[
    "GroupAggregate",
    "GlobalGroupAggregate",
    "IncrementalGroupAggregate",
    "GroupTableAggregate",
    "PythonGroupAggregate",
    "PythonGroupTableAggregate",
    "GroupWindowAggregate",
    "PythonGroupWindowAggregate",
    "WindowAggregate",
    "GlobalWindowAggregate",
    "OverAggregate",
    "PythonOverAggregate",
    "Join",
    "IntervalJoin",
    "TemporalJoin",
    "WindowJoin",
    "MultiJoin",
    "Rank",
    "WindowRank",
    "SortLimit",
    "Limit",
    "Deduplicate",
    "WindowDeduplicate",
    "ChangelogNormalize",
    "SinkMaterializer",
    "Match",
    "Sort",
    "TemporalSort",
    "ProcessTableFunction",
];

/// The planner's text without its per-JVM counters: the `[4]:` before a description and the `[4]`
/// after a name (`GroupAggregate[4]`, `snk[5]: Writer`). The counter depends on how many plans the
/// JVM built before, so texts of one operator differ by it alone.
pub fn normalize_description(text: &str) -> String {
    let text = text.trim();
    let text = match counter_at(text, 0) {
        Some(end) if text[end..].starts_with(':') => &text[end + 1..],
        _ => text,
    };
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after_word = rest[..open].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '_');
        match counter_at(rest, open) {
            Some(end) if after_word && (rest[end..].is_empty() || rest[end..].starts_with(':')) => {
                out.push_str(&rest[..open]);
                rest = &rest[end..];
            }
            _ => {
                out.push_str(&rest[..=open]);
                rest = &rest[open + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// If `text[start..]` opens with `[digits]`, the index just past the `]`.
fn counter_at(text: &str, start: usize) -> Option<usize> {
    let inner = text.get(start..)?.strip_prefix('[')?;
    let digits = inner.find(|c: char| !c.is_ascii_digit())?;
    (digits > 0 && inner[digits..].starts_with(']')).then_some(start + 1 + digits + 1)
}

/// The operator's kind: the word its normalised text opens with (`GroupAggregate`, `Calc`, or a
/// sink's table name).
pub fn operator_kind(text: &str) -> String {
    let normalized = normalize_description(text);
    normalized.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()
}

/// Whether operators of this kind keep state (see `STATEFUL_SQL_OPERATORS`).
pub fn keeps_state(kind: &str) -> bool {
    STATEFUL_SQL_OPERATORS.contains(&kind)
}

/// What changed between two normalised operator texts, for a person: the attributes that differ
/// (`select=[k, COUNT(*) AS cnt]` → `select=[k, MIN(CAST(k AS BIGINT)) AS cnt]`), or both texts
/// when the kind or the shape changed.
pub(crate) fn describe_change(old: &str, new: &str) -> String {
    match (attributes(old), attributes(new)) {
        (Some((old_kind, old_attrs)), Some((new_kind, new_attrs)))
            if old_kind == new_kind && old_attrs.len() == new_attrs.len() =>
        {
            let changed: Vec<String> = old_attrs
                .iter()
                .zip(&new_attrs)
                .filter(|(a, b)| a != b)
                .map(|(a, b)| format!("`{}` → `{}`", shorten(a), shorten(b)))
                .collect();
            if changed.is_empty() {
                format!("`{}` → `{}`", shorten(old), shorten(new))
            } else {
                changed.join(", ")
            }
        }
        _ => format!("`{}` → `{}`", shorten(old), shorten(new)),
    }
}

/// `Kind(a=[…], b=[…])` split into its kind and top-level attributes.
fn attributes(text: &str) -> Option<(&str, Vec<&str>)> {
    let open = text.find('(')?;
    let body = text[open + 1..].strip_suffix(')')?;
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, c) in body.char_indices() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(body[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(body[start..].trim());
    Some((&text[..open], parts))
}

fn shorten(text: &str) -> String {
    const LIMIT: usize = 300;
    if text.chars().count() <= LIMIT {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(LIMIT).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_planners_counters_are_dropped_and_nothing_else() {
        let cases = [
            (
                "[4]:GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS cnt])",
                "GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS cnt])",
            ),
            ("GroupAggregate[9]", "GroupAggregate"),
            ("snk[10]: Writer", "snk: Writer"),
            ("Source: src[1]", "Source: src"),
            (
                "[1]:TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])",
                "TableSourceScan(table=[[default_catalog, default_database, src]], fields=[k, v])",
            ),
            ("[8]:ConstraintEnforcer[NotNullEnforcer(fields=[k])]", "ConstraintEnforcer[NotNullEnforcer(fields=[k])]"),
            ("[7]:Calc(select=[arr[1] AS x, 2 AS y])", "Calc(select=[arr[1] AS x, 2 AS y])"),
            ("counter", "counter"),
        ];
        for (raw, normalized) in cases {
            assert_eq!(normalize_description(raw), normalized, "{raw}");
        }
    }

    #[test]
    fn the_kind_is_the_first_word_of_the_text() {
        assert_eq!(operator_kind("[4]:GroupAggregate(groupBy=[k])"), "GroupAggregate");
        assert_eq!(operator_kind("[29]:LocalWindowAggregate(groupBy=[k])"), "LocalWindowAggregate");
        assert_eq!(operator_kind("snk[5]: Writer"), "snk");
        assert!(keeps_state("GroupAggregate") && keeps_state("Deduplicate") && keeps_state("GlobalWindowAggregate"));
        assert!(!keeps_state("Calc") && !keeps_state("LocalGroupAggregate") && !keeps_state("TableSourceScan"));
    }

    #[test]
    fn a_change_names_the_attributes_that_differ() {
        assert_eq!(
            describe_change(
                "GroupAggregate(groupBy=[k], select=[k, COUNT(*) AS cnt])",
                "GroupAggregate(groupBy=[k], select=[k, MIN($f1) AS cnt])"
            ),
            "`select=[k, COUNT(*) AS cnt]` → `select=[k, MIN($f1) AS cnt]`"
        );
        assert_eq!(
            describe_change("Calc(select=[k])", "Deduplicate(keep=[FirstRow])"),
            "`Calc(select=[k])` → `Deduplicate(keep=[FirstRow])`"
        );
    }
}
