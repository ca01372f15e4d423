/**
 * A reader option for every read of a source's files. DuckDB takes a folder named key=value
 * anywhere in a file's path for a Hive partition (hive_partitioning is detected by default):
 * it added a column `key` to the rows, and for a column the file holds itself it replaced the
 * file's values with the folder's (`year=2024/a.csv` made every row's `year` 2024). A source's
 * rows are what its files hold.
 */
export const NO_HIVE = 'hive_partitioning = false';
