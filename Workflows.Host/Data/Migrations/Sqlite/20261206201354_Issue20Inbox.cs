using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class Issue20Inbox : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Tasks_Id_Status_AssigneeId",
                table: "Tasks");

            migrationBuilder.AddColumn<bool>(
                name: "Closed",
                table: "TaskCandidates",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            // Rows of tasks that have already ended are closed, as the runner now closes them when a task ends.
            migrationBuilder.Sql("""
                UPDATE "TaskCandidates" SET "Closed" = 1
                WHERE "TaskId" IN (SELECT "Id" FROM "Tasks" WHERE "Status" NOT IN ('Open', 'Waiting'));
                """);

            migrationBuilder.CreateIndex(
                name: "IX_TaskCandidates_Open",
                table: "TaskCandidates",
                columns: new[] { "EmployeeId", "TaskId" },
                filter: "NOT \"Closed\"");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_TaskCandidates_Open",
                table: "TaskCandidates");

            migrationBuilder.DropColumn(
                name: "Closed",
                table: "TaskCandidates");

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_Id_Status_AssigneeId",
                table: "Tasks",
                columns: new[] { "Id", "Status", "AssigneeId" });
        }
    }
}
