using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Workflows.Host.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class S20Search : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Type_Status_StartedAt",
                table: "Instances");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Type_Status_StartedAt_Id",
                table: "Instances",
                columns: new[] { "Type", "Status", "StartedAt", "Id" },
                descending: new[] { false, false, true, false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Instances_Type_Status_StartedAt_Id",
                table: "Instances");

            migrationBuilder.CreateIndex(
                name: "IX_Instances_Type_Status_StartedAt",
                table: "Instances",
                columns: new[] { "Type", "Status", "StartedAt" });
        }
    }
}
