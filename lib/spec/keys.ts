/** Keys every check takes; everything else in a check mapping belongs to its kind. */
export const COMMON_KEYS = ['id', 'kind', 'title', 'points', 'dependsOn', 'severity', 'timeout', 'extraCredit', 'description'] as const;
