//! The rate every vertex must sustain: sources' input rate plus the change of their backlog, and the
//! rate to work the backlog off, carried downstream through the job graph by each edge's observed
//! output ratio. Pure arithmetic over a window's figures.

use domain::job_metrics::JobEdge;

use crate::window::VertexWindow;

/// What a vertex must process, records per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Demand {
    /// The rate arriving in steady state.
    pub(crate) target_rate: f64,
    /// The extra rate that works the sources' backlog off within the catch-up duration.
    pub(crate) catch_up_rate: f64,
}

/// The vertices' indexes, every vertex after all that feed it; `None` if the edges form a cycle.
pub(crate) fn topological_order(ids: &[&str], edges: &[JobEdge]) -> Option<Vec<usize>> {
    let index = |id: &str| ids.iter().position(|v| *v == id);
    let mut inputs = vec![0usize; ids.len()];
    let mut outputs: Vec<Vec<usize>> = vec![Vec::new(); ids.len()];
    for edge in edges {
        if let (Some(from), Some(to)) = (index(&edge.from), index(&edge.to)) {
            inputs[to] += 1;
            outputs[from].push(to);
        }
    }
    let mut ready: Vec<usize> = (0..ids.len()).filter(|v| inputs[*v] == 0).rev().collect();
    let mut order = Vec::with_capacity(ids.len());
    while let Some(vertex) = ready.pop() {
        order.push(vertex);
        for &next in &outputs[vertex] {
            inputs[next] -= 1;
            if inputs[next] == 0 {
                ready.push(next);
            }
        }
    }
    (order.len() == ids.len()).then_some(order)
}

/// Each vertex's demand, in the order of `windows`; `order` from `topological_order`.
pub(crate) fn demands(
    windows: &[VertexWindow<'_>],
    edges: &[JobEdge],
    order: &[usize],
    catch_up_duration_seconds: u64,
) -> Vec<Demand> {
    let id = |v: usize| windows[v].newest.id.as_str();
    let index = |vertex: &str| windows.iter().position(|w| w.newest.id == vertex);
    let mut demands = vec![Demand { target_rate: 0.0, catch_up_rate: 0.0 }; windows.len()];
    for &v in order {
        let incoming: Vec<usize> = edges.iter().filter(|e| e.to == id(v)).filter_map(|e| index(&e.from)).collect();
        if incoming.is_empty() {
            let window = &windows[v];
            let input_rate = window.input_rate.unwrap_or(0.0);
            let target_rate = (input_rate + window.lag_rate.unwrap_or(0.0)).max(0.0);
            let catch_up_rate = match catch_up_duration_seconds {
                0 => 0.0,
                seconds => window.lag.unwrap_or(0.0).max(0.0) / seconds as f64,
            };
            demands[v] = Demand { target_rate, catch_up_rate };
            continue;
        }
        let mut demand = Demand { target_rate: 0.0, catch_up_rate: 0.0 };
        for &u in &incoming {
            let ratio = output_ratio(windows, edges, u, v, incoming.len());
            demand.target_rate += demands[u].target_rate * ratio;
            demand.catch_up_rate += demands[u].catch_up_rate * ratio;
        }
        demands[v] = demand;
    }
    demands
}

/// Records arriving at `to` from `from` per record `from` reads. The edge's rate is the
/// downstream's input rate when it has one input; otherwise the upstream's output rate, shared
/// evenly among its outputs (an approximation: Flink reports no per-edge counter). Without an
/// observed upstream rate a record is assumed to stay one record.
fn output_ratio(windows: &[VertexWindow<'_>], edges: &[JobEdge], from: usize, to: usize, inputs_of_to: usize) -> f64 {
    let upstream_rate = match windows[from].input_rate {
        Some(rate) if rate > 0.0 => rate,
        _ => return 1.0,
    };
    let edge_rate = if inputs_of_to == 1 {
        windows[to].input_rate
    } else {
        let outputs = edges.iter().filter(|e| e.from == windows[from].newest.id).count().max(1);
        windows[from].output_rate.map(|rate| rate / outputs as f64)
    };
    edge_rate.map_or(1.0, |rate| rate / upstream_rate)
}
