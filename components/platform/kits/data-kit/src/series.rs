//! Labelled numeric series from CSV or JSON (what a chart plots): category labels and
//! one or more named series of values, one value per label.

use lathe_tool_sdk::{unsupported, ToolError};
use serde_json::Value;

/// Most data points in one series.
pub const MAX_POINTS: usize = 10_000;
/// Most series in one chart.
pub const MAX_SERIES: usize = 20;

/// One named series of values (`None` for a missing value).
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// The series name (legend).
    pub name: String,
    /// One value per label.
    pub values: Vec<Option<f64>>,
}

/// Labels along the category axis and the series plotted against them.
#[derive(Debug, Clone, PartialEq)]
pub struct Data {
    /// Category labels (x values for scatter charts).
    pub labels: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
}

impl Data {
    /// Checks sizes and that there is something to plot.
    fn checked(self) -> Result<Data, ToolError> {
        if self.series.is_empty() {
            return Err(unsupported("the data has no numeric column or values"));
        }
        if self.labels.is_empty() {
            return Err(unsupported("the data has no rows"));
        }
        if self.labels.len() > MAX_POINTS {
            return Err(ToolError::TooLarge(format!(
                "the data has {} points (max {MAX_POINTS})",
                self.labels.len()
            )));
        }
        if self.series.len() > MAX_SERIES {
            return Err(ToolError::TooLarge(format!(
                "the data has {} series (max {MAX_SERIES})",
                self.series.len()
            )));
        }
        if self
            .series
            .iter()
            .all(|s| s.values.iter().all(Option::is_none))
        {
            return Err(unsupported("the data has no numeric values"));
        }
        Ok(self)
    }
}

/// A number from a CSV cell (`1,234` thousands separators and `%` allowed).
fn parse_number(cell: &str) -> Option<f64> {
    let t = cell.trim().trim_end_matches('%').replace(',', "");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

/// Reads CSV (or TSV/semicolon-separated) text with a header row: the first column holds
/// the labels, every other column whose cells are all numbers (or empty) is a series.
pub fn from_csv(text: &str) -> Result<Data, ToolError> {
    let first = text.lines().next().unwrap_or("");
    let delimiter = [b',', b'\t', b';']
        .into_iter()
        .max_by_key(|d| first.bytes().filter(|b| b == d).count())
        .unwrap_or(b',');
    let mut reader = crate::delimited::strict_reader(text, delimiter);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| unsupported(format!("malformed CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let mut rows: Vec<Vec<String>> = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| unsupported(format!("malformed CSV: {e}")))?;
        if record.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        rows.push(record.iter().map(|c| c.trim().to_string()).collect());
        if rows.len() > MAX_POINTS {
            return Err(ToolError::TooLarge(format!(
                "the CSV has more than {MAX_POINTS} rows"
            )));
        }
    }
    if headers.is_empty() || rows.is_empty() {
        return Err(unsupported(
            "the CSV needs a header row and at least one data row",
        ));
    }
    let numeric = |col: usize| {
        rows.iter()
            .all(|r| r[col].is_empty() || parse_number(&r[col]).is_some())
            && rows.iter().any(|r| !r[col].is_empty())
    };
    // One numeric column only: values with row numbers as labels.
    if headers.len() == 1 {
        if !numeric(0) {
            return Err(unsupported("the CSV's only column is not numeric"));
        }
        return Data {
            labels: (1..=rows.len()).map(|i| i.to_string()).collect(),
            series: vec![Series {
                name: headers[0].clone(),
                values: rows.iter().map(|r| parse_number(&r[0])).collect(),
            }],
        }
        .checked();
    }
    let series = (1..headers.len())
        .filter(|c| numeric(*c))
        .map(|c| Series {
            name: if headers[c].is_empty() {
                format!("Series {c}")
            } else {
                headers[c].clone()
            },
            values: rows.iter().map(|r| parse_number(&r[c])).collect(),
        })
        .collect();
    Data {
        labels: rows.iter().map(|r| r[0].clone()).collect(),
        series,
    }
    .checked()
}

/// A label from a JSON value.
fn label_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The `labels` array of a JSON object as labels, or else `1..=n`.
fn labels_of(map: &serde_json::Map<String, Value>, n: usize) -> Result<Vec<String>, ToolError> {
    match map.get("labels") {
        Some(l) => Ok(l
            .as_array()
            .ok_or_else(|| unsupported("labels must be an array"))?
            .iter()
            .map(label_of)
            .collect()),
        None => Ok((1..=n).map(|i| i.to_string()).collect()),
    }
}

/// A number from a JSON value (numbers and numeric strings).
fn number_of(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64().filter(|f| f.is_finite()),
        Value::String(s) => parse_number(s),
        _ => None,
    }
}

/// The values of a JSON array of numbers.
fn values_of(v: &Value) -> Result<Vec<Option<f64>>, ToolError> {
    let arr = v
        .as_array()
        .ok_or_else(|| unsupported("series values must be an array of numbers"))?;
    arr.iter()
        .map(|x| match x {
            Value::Null => Ok(None),
            x => number_of(x)
                .map(Some)
                .ok_or_else(|| unsupported(format!("{x} is not a number"))),
        })
        .collect()
}

/// Reads chart data from JSON. Accepted shapes:
/// `[{"label": "A", "value": 3}, …]` (the first text field is the label, numeric fields
/// are series), `{"labels": […], "datasets"|"series": [{"label"|"name": …, "data"|"values": […]}]}`,
/// `{"labels": […], "values"|"data": […]}`, `{"A": 3, "B": 5}`, `[3, 5, 7]` and
/// `[["A", 3], ["B", 5]]`.
pub fn from_json(v: &Value) -> Result<Data, ToolError> {
    match v {
        Value::Array(items) if items.is_empty() => Err(unsupported("the data is empty")),
        Value::Array(items) if items.iter().all(|i| number_of(i).is_some() || i.is_null()) => {
            Data {
                labels: (1..=items.len()).map(|i| i.to_string()).collect(),
                series: vec![Series {
                    name: "Value".into(),
                    values: items.iter().map(number_of).collect(),
                }],
            }
            .checked()
        }
        Value::Array(items) if items.iter().all(Value::is_array) => {
            let mut labels = Vec::new();
            let mut series: Vec<Series> = Vec::new();
            for row in items {
                let row = row.as_array().map(Vec::as_slice).unwrap_or(&[]);
                let Some((first, rest)) = row.split_first() else {
                    continue;
                };
                labels.push(label_of(first));
                for (k, cell) in rest.iter().enumerate() {
                    if series.len() <= k {
                        series.push(Series {
                            name: format!("Series {}", k + 1),
                            values: vec![None; labels.len() - 1],
                        });
                    }
                    series[k].values.push(number_of(cell));
                }
                for s in series.iter_mut() {
                    s.values.resize(labels.len(), None);
                }
            }
            Data { labels, series }.checked()
        }
        Value::Array(items) => {
            let objects: Vec<&serde_json::Map<String, Value>> =
                items.iter().filter_map(Value::as_object).collect();
            if objects.len() != items.len() {
                return Err(unsupported(
                    "a data array must hold only numbers, only arrays or only objects",
                ));
            }
            // Keys in first-seen order.
            let mut keys: Vec<&String> = Vec::new();
            for o in &objects {
                for k in o.keys() {
                    if !keys.contains(&k) {
                        keys.push(k);
                    }
                }
            }
            let numeric = |k: &str| {
                objects.iter().all(|o| {
                    o.get(k)
                        .is_none_or(|v| v.is_null() || number_of(v).is_some())
                })
            };
            let preferred = ["label", "name", "category", "x", "key"];
            let label_key = keys
                .iter()
                .find(|k| preferred.contains(&k.to_ascii_lowercase().as_str()))
                .or_else(|| keys.iter().find(|k| !numeric(k)))
                .map(|k| k.to_string());
            let series = keys
                .iter()
                .filter(|k| Some(k.as_str()) != label_key.as_deref() && numeric(k))
                .map(|k| Series {
                    name: k.to_string(),
                    values: objects
                        .iter()
                        .map(|o| o.get(k.as_str()).and_then(number_of))
                        .collect(),
                })
                .collect();
            let labels = objects
                .iter()
                .enumerate()
                .map(|(i, o)| match &label_key {
                    Some(k) => o.get(k).map(label_of).unwrap_or_default(),
                    None => (i + 1).to_string(),
                })
                .collect();
            Data { labels, series }.checked()
        }
        Value::Object(map) => {
            if let Some(sets) = map.get("datasets").or_else(|| map.get("series")) {
                let sets = sets
                    .as_array()
                    .ok_or_else(|| unsupported("datasets must be an array"))?;
                let mut series = Vec::new();
                for (i, set) in sets.iter().enumerate() {
                    let (name, values) =
                        match set {
                            Value::Object(o) => (
                                o.get("label")
                                    .or_else(|| o.get("name"))
                                    .map(label_of)
                                    .unwrap_or_else(|| format!("Series {}", i + 1)),
                                values_of(o.get("data").or_else(|| o.get("values")).ok_or_else(
                                    || unsupported("each dataset needs a data array"),
                                )?)?,
                            ),
                            other => (format!("Series {}", i + 1), values_of(other)?),
                        };
                    series.push(Series { name, values });
                }
                let n = series.iter().map(|s| s.values.len()).max().unwrap_or(0);
                let labels = labels_of(map, n)?;
                return fit(labels, series);
            }
            if let Some(values) = map.get("values").or_else(|| map.get("data")) {
                let flat = values
                    .as_array()
                    .is_some_and(|a| a.iter().all(|x| !x.is_object() && !x.is_array()));
                if flat {
                    let values = values_of(values)?;
                    let labels = labels_of(map, values.len())?;
                    return fit(
                        labels,
                        vec![Series {
                            name: "Value".into(),
                            values,
                        }],
                    );
                }
                return from_json(values);
            }
            let mut labels = Vec::new();
            let mut values = Vec::new();
            for (k, v) in map {
                labels.push(k.clone());
                values.push(Some(number_of(v).ok_or_else(|| {
                    unsupported(format!("the value of '{k}' is not a number"))
                })?));
            }
            Data {
                labels,
                series: vec![Series {
                    name: "Value".into(),
                    values,
                }],
            }
            .checked()
        }
        _ => Err(unsupported(
            "chart data must be a JSON array or object (see the tool's description)",
        )),
    }
}

/// Pads or cuts labels and series to the same length.
fn fit(mut labels: Vec<String>, mut series: Vec<Series>) -> Result<Data, ToolError> {
    let n = series.iter().map(|s| s.values.len()).max().unwrap_or(0);
    if n > MAX_POINTS {
        return Err(ToolError::TooLarge(format!(
            "the data has {n} points (max {MAX_POINTS})"
        )));
    }
    labels.truncate(n);
    while labels.len() < n {
        labels.push((labels.len() + 1).to_string());
    }
    for s in series.iter_mut() {
        s.values.resize(n, None);
    }
    Data { labels, series }.checked()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shapes() {
        let d = from_csv("month,sales,cost,note\nJan,10,4,x\nFeb,12,5,y\n").unwrap();
        assert_eq!(d.labels, ["Jan", "Feb"]);
        assert_eq!(d.series.len(), 2);
        assert!(from_csv("a,b\n1,2,3\n").is_err());
        let d =
            from_json(&serde_json::json!([{"name": "A", "v": 1}, {"name": "B", "v": 2}])).unwrap();
        assert_eq!(d.labels, ["A", "B"]);
        let d = from_json(&serde_json::json!({"labels": ["x", "y"], "datasets": [{"label": "s", "data": [1, 2]}]})).unwrap();
        assert_eq!(d.series[0].name, "s");
        let d = from_json(&serde_json::json!({"A": 1, "B": 2})).unwrap();
        assert_eq!(d.series[0].values, [Some(1.0), Some(2.0)]);
        let d = from_json(&serde_json::json!([["A", 1], ["B", 2]])).unwrap();
        assert_eq!(d.labels, ["A", "B"]);
        assert!(from_json(&serde_json::json!("x")).is_err());
    }
}
