//! The source start time of the Start dialog, carried to the job: every job gets it as a Flink
//! configuration entry its program may read, and a SQL script's tables get their connector's start
//! options set to it. Pure text work on the script: it must never change anything but the `WITH`
//! options of the tables the script creates.
//!
//! Which connectors and keys, and why the others are left alone: `docs/engine.md`, "Source start
//! time".

/// The Flink configuration entry a job started without state with a source start time gets (ms since
/// the epoch, as text). A JAR job reads it in `main` (`env.getConfiguration()`); Flink passes the
/// entries of `POST /jars/:id/run`'s `flinkConfiguration` to the program's environment.
pub const CONFIGURATION_KEY: &str = "console.source-start-time-ms";

/// A connector whose tables can be told to start reading at a time, and the options that say so.
struct Positionable {
    /// The `connector` option's value.
    connector: &'static str,
    /// The option that selects starting at a time, and its value.
    mode: (&'static str, &'static str),
    /// The option that carries the time, in ms since the epoch.
    time: &'static str,
    /// Other start positions the DDL may name, which the time replaces (some connectors refuse a
    /// table that names two).
    replaced: &'static [&'static str],
}

/// The connectors whose documented options set a start time in ms; `docs/engine.md` says why each
/// is here and why others are not.
const POSITIONABLE: &[Positionable] = &[
    Positionable {
        connector: "kafka",
        mode: ("scan.startup.mode", "timestamp"),
        time: "scan.startup.timestamp-millis",
        replaced: &["scan.startup.specific-offsets"],
    },
    Positionable {
        connector: "mysql-cdc",
        mode: ("scan.startup.mode", "timestamp"),
        time: "scan.startup.timestamp-millis",
        replaced: &[
            "scan.startup.specific-offset.file",
            "scan.startup.specific-offset.pos",
            "scan.startup.specific-offset.gtid-set",
            "scan.startup.specific-offset.skip-events",
            "scan.startup.specific-offset.skip-rows",
        ],
    },
    Positionable {
        connector: "mongodb-cdc",
        mode: ("scan.startup.mode", "timestamp"),
        time: "scan.startup.timestamp-millis",
        replaced: &[],
    },
    Positionable {
        connector: "paimon",
        mode: ("scan.mode", "from-timestamp"),
        time: "scan.timestamp-millis",
        replaced: &[
            "scan.timestamp",
            "scan.snapshot-id",
            "scan.tag-name",
            "scan.watermark",
            "scan.file-creation-time-millis",
            "incremental-between",
            "incremental-between-timestamp",
            "log.scan",
            "log.scan.timestamp-millis",
        ],
    },
];

/// Connectors that only write: their tables are never read, so they have no start to speak of.
const WRITE_ONLY: &[&str] = &["blackhole", "print"];

impl Positionable {
    fn of(connector: &str) -> Option<&'static Self> {
        POSITIONABLE.iter().find(|p| p.connector.eq_ignore_ascii_case(connector.trim()))
    }

    /// Whether the option `key` (in any case) names a start position of this connector.
    fn names_start(&self, key: &str) -> bool {
        let key = key.trim();
        [self.mode.0, self.time].iter().chain(self.replaced).any(|k| k.eq_ignore_ascii_case(key))
    }

    fn options(&self, start_ms: i64) -> [(&'static str, String); 2] {
        [(self.mode.0, self.mode.1.to_owned()), (self.time, start_ms.to_string())]
    }
}

/// A table the script creates, by its name as written (identifiers unquoted) and its connector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// `catalog.db.name` or `name`.
    pub name: String,
    /// The `connector` option (its own, or the one `LIKE` takes over); `None` if the script does not say.
    pub connector: Option<String>,
}

/// A SQL script with its tables set to start reading at a time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlStart {
    /// The script to submit.
    pub script: String,
    /// The tables whose connector starts at the time now.
    pub positioned: Vec<Table>,
    /// The tables whose connector has no start position (or is not known): they read as their DDL
    /// says. Tables of write-only connectors (`blackhole`, `print`) are in neither list.
    pub unpositioned: Vec<Table>,
}

impl SqlStart {
    /// What the rewrite did, in words for the deployment's events.
    pub fn describe(&self) -> String {
        let list = |tables: &[Table]| {
            tables
                .iter()
                .map(|t| format!("{} ({})", t.name, t.connector.as_deref().unwrap_or("connector unknown")))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut said = Vec::new();
        if !self.positioned.is_empty() {
            said.push(format!("Tables that start there: {}.", list(&self.positioned)));
        }
        if !self.unpositioned.is_empty() {
            said.push(format!(
                "Tables whose connector has no start position, read as their DDL says: {}.",
                list(&self.unpositioned)
            ));
        }
        if said.is_empty() {
            said.push("The script creates no table a start position applies to.".to_owned());
        }
        said.join(" ")
    }
}

/// `script` with every `CREATE [OR REPLACE] [TEMPORARY] TABLE … WITH (…)` of a positionable
/// connector set to start reading at `start_ms`: the connector's start options are set, overriding
/// (and replacing) those the DDL names. A table taking its options from an earlier table with
/// `LIKE` keeps that table's (already set) start and loses its own start options. Comments,
/// quoting and every other statement stay as written. Fails only on text no SQL parser could read
/// (an unclosed quote or comment).
pub fn rewrite_sql(script: &str, start_ms: i64) -> Result<SqlStart, String> {
    let tokens = tokenize(script)?;
    let mut created: Vec<Created> = Vec::new();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut out = SqlStart { script: String::new(), positioned: Vec::new(), unpositioned: Vec::new() };
    for statement in tokens.split(|t| t.kind == Kind::Punct(';')) {
        let Some(table) = CreateTable::parse(script, statement) else { continue };
        let own = table.with.as_ref().and_then(WithClause::connector);
        let inherited = table.like.as_ref().filter(|like| like.options_included).and_then(|like| {
            // The latest table of that name (a script may create one twice, OR REPLACE).
            created.iter().rev().find(|c| c.name == like.base)
        });
        let connector = own.clone().or_else(|| inherited.and_then(|c| c.connector.clone()));
        let positionable = connector.as_deref().and_then(Positionable::of);
        // The options `LIKE` takes over already start at the time, unless the table names another connector.
        let inherits_start = inherited.is_some_and(|base| {
            let same_connector = |own: &str| base.connector.as_deref().is_some_and(|c| c.eq_ignore_ascii_case(own));
            base.positioned && own.as_deref().is_none_or(same_connector)
        });
        let entry = Table { name: table.name.clone(), connector: connector.clone() };
        match positionable {
            Some(positionable) => {
                // A table inheriting a set start must not name it again: `LIKE … (INCLUDING OPTIONS)`
                // refuses an option both tables name.
                let added = if inherits_start { Vec::new() } else { positionable.options(start_ms).to_vec() };
                if let Some(with) = &table.with {
                    edits.push(with.rewrite(script, |key| positionable.names_start(key), &added));
                }
                out.positioned.push(entry);
            }
            None => {
                let write_only =
                    connector.as_deref().is_some_and(|c| WRITE_ONLY.iter().any(|w| w.eq_ignore_ascii_case(c)));
                if !write_only {
                    out.unpositioned.push(entry);
                }
            }
        }
        created.push(Created { name: table.name, connector, positioned: positionable.is_some() });
    }
    let mut rewritten = script.to_owned();
    edits.sort_by_key(|(start, _, _)| std::cmp::Reverse(*start));
    for (start, end, text) in edits {
        rewritten.replace_range(start..end, &text);
    }
    out.script = rewritten;
    Ok(out)
}

/// A table created earlier in the script, for `LIKE`.
struct Created {
    name: String,
    connector: Option<String>,
    positioned: bool,
}

/// What a `CREATE TABLE` statement says that matters here.
struct CreateTable {
    name: String,
    with: Option<WithClause>,
    like: Option<Like>,
}

/// `LIKE base (…)`: the table the options may come from.
struct Like {
    base: String,
    /// Unless `EXCLUDING OPTIONS` or `EXCLUDING ALL` (without a later `INCLUDING OPTIONS`).
    options_included: bool,
}

/// The `WITH ( … )` of a table: where its options are, and each option's span and text.
struct WithClause {
    /// Byte range inside the parentheses.
    inner: (usize, usize),
    entries: Vec<OptionEntry>,
}

struct OptionEntry {
    /// Byte range from the key's first character to the value's last.
    span: (usize, usize),
    /// The key and value, unquoted; `None` for an entry that is not `'key' = 'value'`.
    pair: Option<(String, String)>,
}

impl OptionEntry {
    /// The entry of these (significant) tokens, if there are any.
    fn of(sql: &str, tokens: &[&Token]) -> Option<Self> {
        let (first, last) = (tokens.first()?, tokens.last()?);
        let pair = match tokens {
            [key, eq, value] if key.kind == Kind::Str && eq.kind == Kind::Punct('=') && value.kind == Kind::Str => {
                Some((key.unquoted(sql), value.unquoted(sql)))
            }
            _ => None,
        };
        Some(Self { span: (first.start, last.end), pair })
    }
}

impl CreateTable {
    /// The statement as a `CREATE TABLE`, or `None` if it is another statement.
    fn parse(sql: &str, statement: &[Token]) -> Option<Self> {
        let significant: Vec<&Token> = statement.iter().filter(|t| !t.kind.is_trivia()).collect();
        let mut at = 0;
        let next_is = |at: &mut usize, word: &str| {
            let matches = significant.get(*at).is_some_and(|t| t.is_word(sql, word));
            if matches {
                *at += 1;
            }
            matches
        };
        if !next_is(&mut at, "CREATE") {
            return None;
        }
        if next_is(&mut at, "OR") && !next_is(&mut at, "REPLACE") {
            return None;
        }
        next_is(&mut at, "TEMPORARY");
        if !next_is(&mut at, "TABLE") {
            return None;
        }
        if next_is(&mut at, "IF") && !(next_is(&mut at, "NOT") && next_is(&mut at, "EXISTS")) {
            return None;
        }
        let (name, after_name) = qualified_name(sql, &significant, at)?;
        let mut table = Self { name, with: None, like: None };
        let mut i = after_name;
        while let Some(token) = significant.get(i) {
            if token.is_word(sql, "AS") {
                break; // The query of CREATE TABLE … AS: its WITH, if any, is a query's.
            }
            if token.kind == Kind::Punct('(') {
                i = closing(&significant, i)? + 1;
                continue;
            }
            if token.is_word(sql, "WITH") && significant.get(i + 1).is_some_and(|t| t.kind == Kind::Punct('(')) {
                let close = closing(&significant, i + 1)?;
                table.with = Some(WithClause::parse(sql, statement, significant[i + 1], significant[close]));
                i = close + 1;
                continue;
            }
            if token.is_word(sql, "LIKE") {
                let (base, after) = qualified_name(sql, &significant, i + 1)?;
                let mut options_included = true;
                i = after;
                if significant.get(i).is_some_and(|t| t.kind == Kind::Punct('(')) {
                    let close = closing(&significant, i)?;
                    for pair in significant[i + 1..close].windows(2) {
                        if pair[1].is_word(sql, "OPTIONS") || pair[1].is_word(sql, "ALL") {
                            options_included = !pair[0].is_word(sql, "EXCLUDING");
                        }
                    }
                    i = close + 1;
                }
                table.like = Some(Like { base, options_included });
                continue;
            }
            i += 1;
        }
        Some(table)
    }
}

impl WithClause {
    /// The options between `open` and `close` (the parentheses), split at top-level commas.
    fn parse(sql: &str, statement: &[Token], open: &Token, close: &Token) -> Self {
        let inside = statement.iter().filter(|t| t.start >= open.end && t.end <= close.start && !t.kind.is_trivia());
        let mut entries = Vec::new();
        let mut depth = 0usize;
        let mut current: Vec<&Token> = Vec::new();
        for token in inside {
            match token.kind {
                Kind::Punct(',') if depth == 0 => {
                    entries.extend(OptionEntry::of(sql, &current));
                    current.clear();
                    continue;
                }
                Kind::Punct('(') => depth += 1,
                Kind::Punct(')') => depth = depth.saturating_sub(1),
                _ => {}
            }
            current.push(token);
        }
        entries.extend(OptionEntry::of(sql, &current));
        Self { inner: (open.end, close.start), entries }
    }

    /// The `connector` option's value (the key in any case).
    fn connector(&self) -> Option<String> {
        self.entries
            .iter()
            .filter_map(|e| e.pair.as_ref())
            .find(|(key, _)| key.trim().eq_ignore_ascii_case("connector"))
            .map(|(_, value)| value.trim().to_owned())
    }

    /// The edit that drops the options `drop` names and appends `added`: the byte range inside the
    /// parentheses and its new text. Kept options keep their text, separators and comments.
    fn rewrite(
        &self,
        sql: &str,
        drop: impl Fn(&str) -> bool,
        added: &[(&'static str, String)],
    ) -> (usize, usize, String) {
        let (inner_start, inner_end) = self.inner;
        let added = added.iter().map(|(k, v)| format!("{} = {}", quote(k), quote(v))).collect::<Vec<_>>().join(", ");
        let (Some(first), Some(last)) = (self.entries.first(), self.entries.last()) else {
            let inner = &sql[inner_start..inner_end];
            return (inner_start, inner_end, format!("{inner}{added}"));
        };
        let kept: Vec<usize> = (0..self.entries.len())
            .filter(|&i| self.entries[i].pair.as_ref().is_none_or(|(key, _)| !drop(key)))
            .collect();
        let mut text = sql[inner_start..first.span.0].to_owned();
        for (n, &i) in kept.iter().enumerate() {
            let (start, end) = self.entries[i].span;
            text.push_str(&sql[start..end]);
            if n + 1 < kept.len() {
                // The separator that followed it: a comma, with its spaces and comments.
                text.push_str(&sql[end..self.entries[i + 1].span.0]);
            }
        }
        if !added.is_empty() {
            if !kept.is_empty() {
                text.push_str(", ");
            }
            text.push_str(&added);
        }
        text.push_str(&sql[last.span.1..inner_end]);
        (inner_start, inner_end, text)
    }
}

/// `'text'` with its quotes doubled, as SQL writes a string.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// The identifier parts `a.b.c` starting at `at` (unquoted, joined by dots), and where it ends.
fn qualified_name(sql: &str, significant: &[&Token], mut at: usize) -> Option<(String, usize)> {
    let mut parts = Vec::new();
    loop {
        let part = significant.get(at).filter(|t| matches!(t.kind, Kind::Word | Kind::Quoted))?;
        parts.push(part.unquoted(sql));
        at += 1;
        if significant.get(at).is_some_and(|t| t.kind == Kind::Punct('.')) {
            at += 1;
        } else {
            return Some((parts.join("."), at));
        }
    }
}

/// The index of the parenthesis that closes the one at `open`.
fn closing(significant: &[&Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in significant.iter().enumerate().skip(open) {
        match token.kind {
            Kind::Punct('(') => depth += 1,
            Kind::Punct(')') => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What a token of Flink SQL is, as far as finding statements and options needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A keyword, an unquoted identifier or a number.
    Word,
    /// A quoted identifier: `` `name` `` (Flink's) or `"name"`.
    Quoted,
    /// A string literal `'…'`.
    Str,
    /// Any other character.
    Punct(char),
    /// `-- …` to the end of the line, or `/* … */` (hints included).
    Comment,
    /// Spaces, tabs and line breaks.
    Space,
}

impl Kind {
    fn is_trivia(self) -> bool {
        matches!(self, Self::Comment | Self::Space)
    }
}

/// A token: its kind and byte range in the script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

impl Token {
    fn is_word(&self, sql: &str, word: &str) -> bool {
        self.kind == Kind::Word && sql[self.start..self.end].eq_ignore_ascii_case(word)
    }

    /// The text of a string or quoted identifier without its quotes (doubled quotes undoubled);
    /// other tokens as written.
    fn unquoted(&self, sql: &str) -> String {
        let text = &sql[self.start..self.end];
        match self.kind {
            Kind::Str | Kind::Quoted => {
                let quote = &text[..1];
                text[1..text.len() - 1].replace(&quote.repeat(2), quote)
            }
            Kind::Word | Kind::Punct(_) | Kind::Comment | Kind::Space => text.to_owned(),
        }
    }
}

/// The tokens of `sql`, covering all of it.
fn tokenize(sql: &str) -> Result<Vec<Token>, String> {
    let bytes = sql.as_bytes();
    let mut tokens = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let start = at;
        let byte = bytes[at];
        let kind = match byte {
            b'\'' | b'`' | b'"' => {
                at = quoted_end(bytes, at).ok_or_else(|| {
                    let what = if byte == b'\'' { "string" } else { "quoted identifier" };
                    format!("the {what} that starts on line {} is never closed", line_of(sql, start))
                })?;
                if byte == b'\'' {
                    Kind::Str
                } else {
                    Kind::Quoted
                }
            }
            b'-' if bytes.get(at + 1) == Some(&b'-') => {
                at = sql[at..].find('\n').map_or(bytes.len(), |n| at + n);
                Kind::Comment
            }
            b'/' if bytes.get(at + 1) == Some(&b'*') => {
                let close = sql[at + 2..].find("*/").ok_or_else(|| {
                    format!("the comment that starts on line {} is never closed", line_of(sql, start))
                })?;
                at += 2 + close + 2;
                Kind::Comment
            }
            _ => {
                let c = sql[at..].chars().next().unwrap_or(' ');
                if c.is_whitespace() {
                    at += sql[at..].find(|c: char| !c.is_whitespace()).unwrap_or(sql.len() - at);
                    Kind::Space
                } else if c.is_alphanumeric() || c == '_' || c == '$' {
                    at += sql[at..]
                        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                        .unwrap_or(sql.len() - at);
                    Kind::Word
                } else {
                    at += c.len_utf8();
                    Kind::Punct(c)
                }
            }
        };
        tokens.push(Token { kind, start, end: at });
    }
    Ok(tokens)
}

/// Where the quoted text starting at `open` ends (after its closing quote); a doubled quote is part
/// of the text.
fn quoted_end(bytes: &[u8], open: usize) -> Option<usize> {
    let quote = bytes[open];
    let mut at = open + 1;
    while at < bytes.len() {
        if bytes[at] == quote {
            if bytes.get(at + 1) == Some(&quote) {
                at += 2;
                continue;
            }
            return Some(at + 1);
        }
        at += 1;
    }
    None
}

fn line_of(sql: &str, at: usize) -> usize {
    sql[..at].matches('\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    const AT: i64 = 1_767_225_600_000;

    fn rewrite(script: &str) -> SqlStart {
        rewrite_sql(script, AT).expect("a readable script")
    }

    fn names(tables: &[Table]) -> Vec<(&str, Option<&str>)> {
        tables.iter().map(|t| (t.name.as_str(), t.connector.as_deref())).collect()
    }

    /// The Kafka table of Flink's Kafka connector documentation, with a comment and a start of its own.
    const KAFKA_DDL: &str = "-- user behaviour, from the Kafka connector's documentation
CREATE TABLE KafkaTable (
  `user_id` BIGINT,
  `item_id` BIGINT,
  `behavior` STRING,
  `ts` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'
) WITH (
  'connector' = 'kafka',
  'topic' = 'user_behavior',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'testGroup',
  'scan.startup.mode' = 'earliest-offset', -- the DDL's own start
  'format' = 'csv'
);
INSERT INTO sink SELECT * FROM KafkaTable;";

    #[test]
    fn a_kafka_table_starts_at_the_time_instead_of_its_ddls_start() {
        let rewritten = rewrite(KAFKA_DDL);
        assert_eq!(
            rewritten.script,
            "-- user behaviour, from the Kafka connector's documentation
CREATE TABLE KafkaTable (
  `user_id` BIGINT,
  `item_id` BIGINT,
  `behavior` STRING,
  `ts` TIMESTAMP_LTZ(3) METADATA FROM 'timestamp'
) WITH (
  'connector' = 'kafka',
  'topic' = 'user_behavior',
  'properties.bootstrap.servers' = 'localhost:9092',
  'properties.group.id' = 'testGroup',
  'format' = 'csv', 'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000'
);
INSERT INTO sink SELECT * FROM KafkaTable;"
        );
        assert_eq!(names(&rewritten.positioned), [("KafkaTable", Some("kafka"))]);
        assert!(rewritten.unpositioned.is_empty());
    }

    #[test]
    fn specific_offsets_are_replaced_and_keys_match_in_any_case() {
        let script = "CREATE TEMPORARY TABLE `my orders` (id BIGINT) WITH ('Connector' = 'Kafka', \
                      'SCAN.STARTUP.MODE' = 'specific-offsets', \
                      'scan.startup.specific-offsets' = 'partition:0,offset:42', 'format' = 'json')";
        let rewritten = rewrite(script);
        assert_eq!(
            rewritten.script,
            "CREATE TEMPORARY TABLE `my orders` (id BIGINT) WITH ('Connector' = 'Kafka', 'format' = 'json', \
             'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000')"
        );
        assert_eq!(names(&rewritten.positioned), [("my orders", Some("Kafka"))]);
    }

    #[test]
    fn quotes_comments_and_semicolons_inside_them_do_not_split_or_confuse_statements() {
        let script = "/* a block comment; with a semicolon and 'a quote */
CREATE TABLE t1 (msg STRING COMMENT 'it''s; fine') COMMENT 'the ''first'' table; really' WITH (
  'connector' = 'kafka', /* 'scan.startup.mode' = 'latest-offset', */
  'value.format' = 'json', 'json.ignore-parse-errors' = 'it''s ok'
);
CREATE TABLE `weird``name` (x INT) WITH ('connector' = 'datagen', 'fields.x.kind' = 'sequence; not a split');
SELECT 'CREATE TABLE fake (x INT) WITH (''connector'' = ''kafka'')';";
        let rewritten = rewrite(script);
        assert_eq!(names(&rewritten.positioned), [("t1", Some("kafka"))]);
        assert_eq!(names(&rewritten.unpositioned), [("weird`name", Some("datagen"))]);
        assert!(rewritten.script.contains(
            "'json.ignore-parse-errors' = 'it''s ok', 'scan.startup.mode' = 'timestamp', \
             'scan.startup.timestamp-millis' = '1767225600000'\n);"
        ));
        assert!(rewritten.script.contains("/* 'scan.startup.mode' = 'latest-offset', */"), "comments stay");
        assert!(
            rewritten.script.ends_with("SELECT 'CREATE TABLE fake (x INT) WITH (''connector'' = ''kafka'')';"),
            "a string is not a statement"
        );
    }

    #[test]
    fn each_supported_connector_gets_its_own_keys() {
        let script = "CREATE TABLE binlog (id INT) WITH ('connector' = 'mysql-cdc', 'hostname' = 'db',
              'scan.startup.mode' = 'specific-offset', 'scan.startup.specific-offset.file' = 'mysql-bin.000003',
              'scan.startup.specific-offset.pos' = '4');
            CREATE TABLE changes (id STRING) WITH ('connector' = 'mongodb-cdc', 'hosts' = 'm:27017');
            CREATE TABLE lake (id INT) WITH ('connector' = 'paimon', 'path' = 'file:/lake', 'scan.snapshot-id' = '3');";
        let rewritten = rewrite(script);
        assert_eq!(
            names(&rewritten.positioned),
            [("binlog", Some("mysql-cdc")), ("changes", Some("mongodb-cdc")), ("lake", Some("paimon"))]
        );
        assert_eq!(
            rewritten.script,
            "CREATE TABLE binlog (id INT) WITH ('connector' = 'mysql-cdc', 'hostname' = 'db', \
             'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000');
            CREATE TABLE changes (id STRING) WITH ('connector' = 'mongodb-cdc', 'hosts' = 'm:27017', \
             'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000');
            CREATE TABLE lake (id INT) WITH ('connector' = 'paimon', 'path' = 'file:/lake', \
             'scan.mode' = 'from-timestamp', 'scan.timestamp-millis' = '1767225600000');"
        );
    }

    #[test]
    fn tables_without_a_start_position_are_listed_and_left_alone_but_write_only_ones_are_not_listed() {
        let script = "CREATE TEMPORARY TABLE gen (id BIGINT) WITH ('connector' = 'datagen');
            CREATE TABLE files (line STRING) WITH ('connector' = 'filesystem', 'path' = '/in', 'format' = 'raw');
            CREATE TABLE upserts (k STRING, PRIMARY KEY (k) NOT ENFORCED) WITH ('connector' = 'upsert-kafka');
            CREATE TABLE IF NOT EXISTS cat.db.stored (id INT);
            CREATE TEMPORARY TABLE out (id BIGINT) WITH ('connector' = 'blackhole');
            CREATE TEMPORARY TABLE shown (id BIGINT) WITH ('connector' = 'print');
            INSERT INTO out SELECT id FROM gen;";
        let rewritten = rewrite(script);
        assert_eq!(rewritten.script, script, "nothing to set");
        assert!(rewritten.positioned.is_empty());
        assert_eq!(
            names(&rewritten.unpositioned),
            [
                ("gen", Some("datagen")),
                ("files", Some("filesystem")),
                ("upserts", Some("upsert-kafka")),
                ("cat.db.stored", None)
            ]
        );
        assert_eq!(
            rewritten.describe(),
            "Tables whose connector has no start position, read as their DDL says: gen (datagen), files \
             (filesystem), upserts (upsert-kafka), cat.db.stored (connector unknown)."
        );
    }

    #[test]
    fn a_table_like_a_positioned_one_inherits_its_start_and_drops_its_own() {
        let script = "CREATE TEMPORARY TABLE base (id INT) WITH ('connector' = 'kafka', 'topic' = 'a');
            CREATE TEMPORARY TABLE copy WITH ('topic' = 'b', 'scan.startup.mode' = 'latest-offset') LIKE base;
            CREATE TEMPORARY TABLE same LIKE base (INCLUDING ALL);
            CREATE TEMPORARY TABLE own WITH ('connector' = 'kafka', 'topic' = 'c') LIKE base (EXCLUDING OPTIONS);
            CREATE TEMPORARY TABLE bare LIKE base (EXCLUDING ALL);";
        let rewritten = rewrite(script);
        assert_eq!(
            names(&rewritten.positioned),
            [("base", Some("kafka")), ("copy", Some("kafka")), ("same", Some("kafka")), ("own", Some("kafka"))]
        );
        assert_eq!(names(&rewritten.unpositioned), [("bare", None)]);
        assert_eq!(
            rewritten.script,
            "CREATE TEMPORARY TABLE base (id INT) WITH ('connector' = 'kafka', 'topic' = 'a', \
             'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000');
            CREATE TEMPORARY TABLE copy WITH ('topic' = 'b') LIKE base;
            CREATE TEMPORARY TABLE same LIKE base (INCLUDING ALL);
            CREATE TEMPORARY TABLE own WITH ('connector' = 'kafka', 'topic' = 'c', \
             'scan.startup.mode' = 'timestamp', 'scan.startup.timestamp-millis' = '1767225600000') LIKE base (EXCLUDING OPTIONS);
            CREATE TEMPORARY TABLE bare LIKE base (EXCLUDING ALL);"
        );
    }

    #[test]
    fn a_created_table_as_select_is_set_too_and_its_querys_with_is_not_touched() {
        let script = "CREATE TABLE copy WITH ('connector' = 'kafka', 'topic' = 'out') AS \
                      WITH recent AS (SELECT * FROM src) SELECT * FROM recent";
        let rewritten = rewrite(script);
        assert_eq!(
            rewritten.script,
            "CREATE TABLE copy WITH ('connector' = 'kafka', 'topic' = 'out', 'scan.startup.mode' = 'timestamp', \
             'scan.startup.timestamp-millis' = '1767225600000') AS WITH recent AS (SELECT * FROM src) SELECT * FROM recent",
            "a sink table gets scan options too: Kafka's sink ignores them"
        );
    }

    #[test]
    fn other_statements_with_options_are_left_alone() {
        let script = "CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = 'file:/w');
            CREATE VIEW v AS SELECT 1;
            CREATE OR REPLACE TEMPORARY TABLE t (x INT) WITH ('connector' = 'paimon', 'scan.mode' = 'latest');";
        let rewritten = rewrite(script);
        assert!(rewritten.script.starts_with("CREATE CATALOG lake WITH ('type' = 'paimon', 'warehouse' = 'file:/w');"));
        assert!(rewritten.script.ends_with(
            "WITH ('connector' = 'paimon', 'scan.mode' = 'from-timestamp', 'scan.timestamp-millis' = '1767225600000');"
        ));
        assert_eq!(names(&rewritten.positioned), [("t", Some("paimon"))]);
    }

    #[test]
    fn an_unclosed_quote_or_comment_is_refused_with_its_line() {
        assert_eq!(
            rewrite_sql("CREATE TABLE t (x INT)\nWITH ('connector' = 'kafka);", AT),
            Err("the string that starts on line 2 is never closed".into())
        );
        assert_eq!(
            rewrite_sql("SELECT 1; /* never", AT),
            Err("the comment that starts on line 1 is never closed".into())
        );
        assert!(rewrite_sql("SELECT `x", AT).is_err());
    }

    #[test]
    fn a_script_without_tables_says_so() {
        let rewritten = rewrite("INSERT INTO a SELECT * FROM b");
        assert_eq!(rewritten.describe(), "The script creates no table a start position applies to.");
    }
}
