using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <summary>
    /// TaskCandidates becomes a WITHOUT ROWID table: its rows are two short keys, so the primary key's b-tree can hold
    /// them and every new task's candidates skip a separate table b-tree (a page fewer per step in the bench). EF Core
    /// cannot say WITHOUT ROWID in its model, so the table is rebuilt here by hand, the way EF Core itself rebuilds SQLite
    /// tables; the model is unchanged. A later migration that makes EF Core rebuild this table would quietly drop WITHOUT
    /// ROWID again: <c>SchemaTests</c> fails then. See designs/adr/0007-runner-writes-its-own-rows.md.
    /// </summary>
    public partial class TaskCandidatesWithoutRowId : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, " WITHOUT ROWID");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, "");

        private static void Rebuild(MigrationBuilder migrationBuilder, string suffix)
        {
            migrationBuilder.Sql($"""
                CREATE TABLE "ef_temp_TaskCandidates" (
                    "TaskId" TEXT NOT NULL,
                    "EmployeeId" TEXT NOT NULL,
                    CONSTRAINT "PK_TaskCandidates" PRIMARY KEY ("EmployeeId", "TaskId"),
                    CONSTRAINT "FK_TaskCandidates_Tasks_TaskId" FOREIGN KEY ("TaskId") REFERENCES "Tasks" ("Id") ON DELETE CASCADE
                ){suffix};
                """);
            migrationBuilder.Sql("""INSERT INTO "ef_temp_TaskCandidates" ("TaskId", "EmployeeId") SELECT "TaskId", "EmployeeId" FROM "TaskCandidates";""");
            migrationBuilder.Sql("""DROP TABLE "TaskCandidates";""");
            migrationBuilder.Sql("""ALTER TABLE "ef_temp_TaskCandidates" RENAME TO "TaskCandidates";""");
            migrationBuilder.Sql("""CREATE INDEX "IX_TaskCandidates_TaskId" ON "TaskCandidates" ("TaskId");""");
        }
    }
}
