using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Issue20Scale : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_History_ActorId_At",
                table: "History");

            migrationBuilder.CreateIndex(
                name: "IX_History_ActorId_At_InstanceId",
                table: "History",
                columns: new[] { "ActorId", "At", "InstanceId" },
                filter: "\"ActorId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Id_StartedAt",
                table: "Instances",
                columns: new[] { "Id", "StartedAt" });

            migrationBuilder.CreateIndex(
                name: "IX_History_Returns",
                table: "History",
                column: "InstanceId",
                filter: "\"Kind\" = 'task.returned' OR \"Action\" = 'return'");

            migrationBuilder.CreateIndex(
                name: "IX_ClosedStatementLines_Month_Kind_Amount",
                table: "ClosedStatementLines",
                columns: new[] { "Month", "Kind", "Amount" });

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_CreatedAt_Type_Step_Status_CompletedAt_DueAt",
                table: "Tasks",
                columns: new[] { "CreatedAt", "Type", "Step", "Status", "CompletedAt", "DueAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Tasks_Id_Status_AssigneeId",
                table: "Tasks",
                columns: new[] { "Id", "Status", "AssigneeId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_History_ActorId_At_InstanceId",
                table: "History");

            migrationBuilder.DropIndex(
                name: "IX_Instances_Id_StartedAt",
                table: "Instances");

            migrationBuilder.CreateIndex(
                name: "IX_History_ActorId_At",
                table: "History",
                columns: new[] { "ActorId", "At" },
                filter: "\"ActorId\" IS NOT NULL");

            migrationBuilder.DropIndex(
                name: "IX_History_Returns",
                table: "History");

            migrationBuilder.DropIndex(
                name: "IX_ClosedStatementLines_Month_Kind_Amount",
                table: "ClosedStatementLines");

            migrationBuilder.DropIndex(
                name: "IX_Tasks_CreatedAt_Type_Step_Status_CompletedAt_DueAt",
                table: "Tasks");

            migrationBuilder.DropIndex(
                name: "IX_Tasks_Id_Status_AssigneeId",
                table: "Tasks");
        }
    }
}
