{"signature": "WHj/Cnc5M1oA0jrmWH1GAVZDmaSLSkxKelWxPe0zh9H7c6gEwIaelT3rqiCR6nJk\nfw7jlRZPg3PqrVbOPyX8CA==\n"}
