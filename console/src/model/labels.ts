/** Labels the system puts on runs (SPEC §2, §7). */
export const TEMPLATE_LABEL = "batch.tensorstack.dev/workflowTemplate";
export const RUN_LABEL = "batch.tensorstack.dev/workflowRun";
export const CRON_LABEL = "batch.tensorstack.dev/cronWorkflowRun";
