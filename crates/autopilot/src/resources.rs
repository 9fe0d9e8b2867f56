//! What a job of a given size costs, so the CPU and memory limits become a parallelism cap. All
//! vertices share one slot-sharing group (Flink's default), so a job needs as many slots as its
//! widest vertex; TaskManagers come whole.

use serde::{Deserialize, Serialize};

/// The sizes a job is built from (the deployment's resources; the caller knows them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct JobResources {
    /// Task slots per TaskManager (`taskmanager.numberOfTaskSlots`), at least 1.
    pub slots_per_task_manager: u32,
    /// CPU cores of one TaskManager.
    pub task_manager_cpu: f64,
    /// Memory of one TaskManager, MiB.
    pub task_manager_memory_mib: u64,
    /// CPU cores of the JobManager (0 on a shared session cluster).
    pub job_manager_cpu: f64,
    /// Memory of the JobManager, MiB (0 on a shared session cluster).
    pub job_manager_memory_mib: u64,
}

impl JobResources {
    /// CPU cores and MiB of memory for a job whose widest vertex has `slots` subtasks.
    pub fn cost(&self, slots: u32) -> (f64, u64) {
        let task_managers = slots.div_ceil(self.slots_per_task_manager.max(1));
        (
            self.job_manager_cpu + f64::from(task_managers) * self.task_manager_cpu,
            self.job_manager_memory_mib + u64::from(task_managers) * self.task_manager_memory_mib,
        )
    }

    /// The most slots (so the widest vertex's parallelism) within `max_cpu` cores; 0 if not even
    /// the JobManager fits.
    pub fn slots_within_cpu(&self, max_cpu: f64) -> u32 {
        if self.task_manager_cpu <= 0.0 {
            return u32::MAX;
        }
        let task_managers = ((max_cpu - self.job_manager_cpu) / self.task_manager_cpu + 1e-9).floor().max(0.0);
        saturating_slots(task_managers, self.slots_per_task_manager)
    }

    /// The most slots within `max_memory_mib`; 0 if not even the JobManager fits.
    pub fn slots_within_memory(&self, max_memory_mib: u64) -> u32 {
        if self.task_manager_memory_mib == 0 {
            return u32::MAX;
        }
        let task_managers = max_memory_mib.saturating_sub(self.job_manager_memory_mib) / self.task_manager_memory_mib;
        saturating_slots(task_managers as f64, self.slots_per_task_manager)
    }
}

fn saturating_slots(task_managers: f64, slots_per_task_manager: u32) -> u32 {
    let slots = task_managers * f64::from(slots_per_task_manager.max(1));
    if slots >= f64::from(u32::MAX) {
        u32::MAX
    } else {
        slots as u32
    }
}

#[cfg(test)]
mod tests {
    use super::JobResources;

    fn sizes() -> JobResources {
        JobResources {
            slots_per_task_manager: 2,
            task_manager_cpu: 1.0,
            task_manager_memory_mib: 2048,
            job_manager_cpu: 0.5,
            job_manager_memory_mib: 1024,
        }
    }

    #[test]
    fn whole_task_managers_are_counted() {
        assert_eq!(sizes().cost(3), (2.5, 1024 + 2 * 2048));
        assert_eq!(sizes().cost(4), (2.5, 1024 + 2 * 2048));
    }

    #[test]
    fn limits_become_slots() {
        assert_eq!(sizes().slots_within_cpu(2.5), 4);
        assert_eq!(sizes().slots_within_cpu(2.4), 2);
        assert_eq!(sizes().slots_within_memory(1024 + 3 * 2048), 6);
        assert_eq!(sizes().slots_within_memory(512), 0);
    }
}
